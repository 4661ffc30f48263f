package dev.mailserver.storage.cassandra;

import org.apache.james.backends.cassandra.components.CassandraModule;
import org.apache.james.sieve.cassandra.CassandraSieveRepository;
import org.apache.james.sieverepository.api.SieveQuotaRepository;
import org.apache.james.sieverepository.api.SieveRepository;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;
import com.google.inject.multibindings.Multibinder;

/** Users' Sieve filtering scripts, which local delivery applies, stored in Cassandra. */
public class CassandraSieveStorageModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(CassandraSieveRepository.class).in(Scopes.SINGLETON);
        bind(SieveRepository.class).to(CassandraSieveRepository.class);
        bind(SieveQuotaRepository.class).to(CassandraSieveRepository.class);
        Multibinder.newSetBinder(binder(), CassandraModule.class).addBinding()
            .toInstance(org.apache.james.sieve.cassandra.CassandraSieveRepositoryModule.MODULE);
    }
}
