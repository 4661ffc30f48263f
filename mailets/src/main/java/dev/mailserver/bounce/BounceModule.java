package dev.mailserver.bounce;

import java.io.FileNotFoundException;

import javax.inject.Singleton;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.backends.cassandra.components.CassandraModule;
import org.apache.james.utils.PropertiesProvider;
import org.apache.james.webadmin.Routes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.multibindings.Multibinder;

/**
 * Bounce handling: the suppression list and bounce events in Cassandra (tables registered here), the
 * recorder that applies the suppression policy, the WebAdmin routes under {@code /bounces}, and
 * {@code conf/bounces.properties}. The mailets ({@link RemoteDeliveryWithDsn}, {@link BounceProcessor}) and
 * SMTP hooks ({@link SuppressedRecipientHook}, {@link VerpBounceRecipientHook}) are declared in
 * {@code conf/} and get these bindings injected.
 */
public class BounceModule extends AbstractModule {
    private static final Logger LOGGER = LoggerFactory.getLogger(BounceModule.class);
    private static final String CONFIGURATION_FILE = "bounces";

    @Override
    protected void configure() {
        bind(CassandraSuppressionList.class).in(Scopes.SINGLETON);
        bind(SuppressionList.class).to(CassandraSuppressionList.class);
        bind(CassandraBounceEventStore.class).in(Scopes.SINGLETON);
        bind(BounceEventStore.class).to(CassandraBounceEventStore.class);
        bind(BounceRecorder.class).in(Scopes.SINGLETON);

        Multibinder<CassandraModule> tables = Multibinder.newSetBinder(binder(), CassandraModule.class);
        tables.addBinding().toInstance(CassandraSuppressionList.TABLES);
        tables.addBinding().toInstance(CassandraBounceEventStore.TABLES);

        Multibinder.newSetBinder(binder(), Routes.class).addBinding().to(BounceRoutes.class);
    }

    @Provides
    @Singleton
    BounceConfiguration configuration(PropertiesProvider properties) throws ConfigurationException {
        try {
            return BounceConfiguration.from(properties.getConfiguration(CONFIGURATION_FILE));
        } catch (FileNotFoundException e) {
            LOGGER.info("No conf/bounces.properties: VERP off, default suppression policy");
            return BounceConfiguration.DEFAULT;
        }
    }
}
