package dev.mailserver.storage.cassandra;

import org.apache.james.backends.cassandra.components.CassandraModule;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.events.EventDeadLetters;
import org.apache.james.events.EventDeadLettersHealthCheck;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;
import com.google.inject.multibindings.Multibinder;

/** Failed mailbox events persisted in Cassandra (see {@link CassandraEventDeadLetters}). */
public class CassandraEventDeadLettersModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(CassandraEventDeadLetters.class).in(Scopes.SINGLETON);
        bind(EventDeadLetters.class).to(CassandraEventDeadLetters.class);
        Multibinder.newSetBinder(binder(), CassandraModule.class).addBinding().toInstance(CassandraEventDeadLetters.TABLES);
        // Reports "degraded" while failed events wait for an admin, so they get noticed.
        Multibinder.newSetBinder(binder(), HealthCheck.class).addBinding().to(EventDeadLettersHealthCheck.class);
    }
}
