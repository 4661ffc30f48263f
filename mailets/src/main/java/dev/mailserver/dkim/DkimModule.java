package dev.mailserver.dkim;

import org.apache.james.backends.cassandra.components.CassandraModule;
import org.apache.james.webadmin.Routes;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;
import com.google.inject.multibindings.Multibinder;

/**
 * DKIM signing: keys in Cassandra (table created at start), managed through WebAdmin {@code /dkim/keys},
 * used by the {@link DkimSign} mailet declared in {@code conf/mailetcontainer.xml}.
 */
public class DkimModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(CassandraDkimKeyStore.class).in(Scopes.SINGLETON);
        bind(DkimKeyStore.class).to(CassandraDkimKeyStore.class);
        Multibinder.newSetBinder(binder(), CassandraModule.class).addBinding().toInstance(CassandraDkimKeyStore.TABLES);
        Multibinder.newSetBinder(binder(), Routes.class).addBinding().to(DkimKeyRoutes.class);
    }
}
