package dev.mailserver.storage.cassandra;

import java.io.FileNotFoundException;
import java.util.Optional;
import java.util.Set;

import javax.inject.Inject;
import javax.inject.Named;
import javax.inject.Singleton;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.PropertiesConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.backends.cassandra.components.CassandraModule;
import org.apache.james.backends.cassandra.init.CassandraZonedDateTimeModule;
import org.apache.james.backends.cassandra.init.KeyspaceFactory;
import org.apache.james.backends.cassandra.init.ResilientClusterProvider;
import org.apache.james.backends.cassandra.init.SessionWithInitializedTablesFactory;
import org.apache.james.backends.cassandra.init.configuration.CassandraConfiguration;
import org.apache.james.backends.cassandra.init.configuration.ClusterConfiguration;
import org.apache.james.backends.cassandra.init.configuration.KeyspaceConfiguration;
import org.apache.james.backends.cassandra.utils.CassandraHealthCheck;
import org.apache.james.backends.cassandra.versions.CassandraSchemaVersionDAO;
import org.apache.james.backends.cassandra.versions.CassandraSchemaVersionManager;
import org.apache.james.backends.cassandra.versions.CassandraSchemaVersionModule;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.mailbox.store.BatchSizes;
import org.apache.james.utils.PropertiesProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.datastax.oss.driver.api.core.CqlSession;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.multibindings.Multibinder;

/**
 * Connects to the Cassandra cluster described by {@code conf/cassandra.properties}, creates the keyspace
 * when asked to, and creates every table that the other storage modules register through the
 * {@link CassandraModule} set binder. Every Cassandra-backed store of the server depends on the
 * {@link CqlSession} bound here.
 */
public class CassandraClusterModule extends AbstractModule {
    private static final Logger LOGGER = LoggerFactory.getLogger(CassandraClusterModule.class);

    static final String CONFIGURATION_FILE = "cassandra";
    private static final String BATCH_SIZES_FILE = "batchsizes";
    /** Lets a launcher or a container point the server at a cluster without editing the file. */
    static final String NODES_ENVIRONMENT_VARIABLE = "CASSANDRA_NODES";
    static final String KEYSPACE = "cassandra.keyspace";
    static final String REPLICATION_FACTOR = "cassandra.replication.factor";
    private static final String DEFAULT_KEYSPACE = "mailserver";
    private static final String DEFAULT_NODES = "127.0.0.1:9042";

    @Override
    protected void configure() {
        bind(ConnectedCluster.class).in(Scopes.SINGLETON);
        bind(CqlSession.class).toProvider(SessionWithInitializedTablesFactory.class);

        Multibinder<CassandraModule> tables = Multibinder.newSetBinder(binder(), CassandraModule.class);
        tables.addBinding().toInstance(CassandraZonedDateTimeModule.MODULE);
        tables.addBinding().toInstance(CassandraSchemaVersionModule.MODULE);

        bind(CassandraSchemaVersionManager.class).in(Scopes.SINGLETON);
        bind(CassandraSchemaVersionDAO.class).in(Scopes.SINGLETON);
        Multibinder.newSetBinder(binder(), HealthCheck.class).addBinding().to(CassandraHealthCheck.class);
    }

    @Provides
    @Singleton
    SessionWithInitializedTablesFactory sessionWithTables(ConnectedCluster cluster, CassandraModule allTables) {
        return new SessionWithInitializedTablesFactory(cluster.session, allTables);
    }

    @Provides
    @Singleton
    CassandraModule allTables(Set<CassandraModule> tablesOfEveryStore) {
        return CassandraModule.aggregateModules(tablesOfEveryStore);
    }

    /** The raw {@code cassandra.properties}, with the {@code CASSANDRA_NODES} override applied. */
    @Provides
    @Singleton
    @Named(CONFIGURATION_FILE)
    Configuration cassandraProperties(PropertiesProvider propertiesProvider) throws ConfigurationException {
        PropertiesConfiguration effective = new PropertiesConfiguration();
        try {
            Configuration fromFile = propertiesProvider.getConfiguration(CONFIGURATION_FILE);
            fromFile.getKeys().forEachRemaining(key -> effective.setProperty(key, fromFile.getProperty(key)));
        } catch (FileNotFoundException e) {
            LOGGER.warn("No conf/cassandra.properties: using the defaults (node {}, keyspace {})", DEFAULT_NODES, DEFAULT_KEYSPACE);
        }
        Optional.ofNullable(System.getenv(NODES_ENVIRONMENT_VARIABLE))
            .filter(nodes -> !nodes.isBlank())
            .ifPresent(nodes -> {
                LOGGER.info("Cassandra nodes taken from ${}: {}", NODES_ENVIRONMENT_VARIABLE, nodes);
                effective.setProperty("cassandra.nodes", nodes);
            });
        if (!effective.containsKey("cassandra.nodes")) {
            effective.setProperty("cassandra.nodes", DEFAULT_NODES);
        }
        return effective;
    }

    @Provides
    @Singleton
    ClusterConfiguration clusterConfiguration(@Named(CONFIGURATION_FILE) Configuration properties) {
        return ClusterConfiguration.from(properties);
    }

    @Provides
    @Singleton
    CassandraConfiguration tuning(@Named(CONFIGURATION_FILE) Configuration properties) {
        return CassandraConfiguration.from(properties);
    }

    @Provides
    @Singleton
    KeyspaceConfiguration mainKeyspace(@Named(CONFIGURATION_FILE) Configuration properties) {
        return KeyspaceConfiguration.builder()
            .keyspace(properties.getString(KEYSPACE, DEFAULT_KEYSPACE))
            .replicationFactor(properties.getInt(REPLICATION_FACTOR, 1))
            .durableWrites(true);
    }

    @Provides
    @Singleton
    BatchSizes batchSizes(PropertiesProvider propertiesProvider) throws ConfigurationException {
        try {
            Configuration configuration = propertiesProvider.getConfiguration(BATCH_SIZES_FILE);
            return BatchSizes.builder()
                .fetchMetadata(configuration.getInt("fetch.metadata", BatchSizes.DEFAULT_BATCH_SIZE))
                .fetchHeaders(configuration.getInt("fetch.headers", BatchSizes.DEFAULT_BATCH_SIZE))
                .fetchFull(configuration.getInt("fetch.full", BatchSizes.DEFAULT_BATCH_SIZE))
                .copyBatchSize(configuration.getInt("copy", BatchSizes.DEFAULT_BATCH_SIZE))
                .moveBatchSize(configuration.getInt("move", BatchSizes.DEFAULT_BATCH_SIZE))
                .build();
        } catch (FileNotFoundException e) {
            return BatchSizes.defaultValues();
        }
    }

    /**
     * The session before any table exists. The keyspace must exist before the session that uses it is
     * opened, hence this intermediate step.
     */
    static class ConnectedCluster {
        private final CqlSession session;

        @Inject
        ConnectedCluster(ResilientClusterProvider sessionProvider, ClusterConfiguration cluster, KeyspaceConfiguration keyspace) {
            this.session = sessionProvider.get();
            if (cluster.shouldCreateKeyspace()) {
                KeyspaceFactory.createKeyspace(keyspace, session).block();
            }
        }
    }
}
