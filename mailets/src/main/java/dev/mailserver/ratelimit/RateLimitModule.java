package dev.mailserver.ratelimit;

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
 * Rate limiting: counters and overrides in Cassandra (tables created with the others at start), the
 * policy read from {@code conf/ratelimit.properties}, the WebAdmin {@code /ratelimits} routes. The SMTP
 * hook and the mailet are named in conf/smtpserver.xml and conf/mailetcontainer.xml and get their
 * {@link RateLimiter} from here.
 */
public class RateLimitModule extends AbstractModule {
    private static final Logger LOGGER = LoggerFactory.getLogger(RateLimitModule.class);
    static final String CONFIGURATION_FILE = "ratelimit";

    @Override
    protected void configure() {
        bind(CassandraRateLimitCounters.class).in(Scopes.SINGLETON);
        bind(RateLimitCounters.class).to(CassandraRateLimitCounters.class);
        bind(CassandraRateLimitOverrides.class).in(Scopes.SINGLETON);
        bind(RateLimitOverrides.class).to(CassandraRateLimitOverrides.class);
        bind(RateLimiter.class).in(Scopes.SINGLETON);

        Multibinder<CassandraModule> tables = Multibinder.newSetBinder(binder(), CassandraModule.class);
        tables.addBinding().toInstance(CassandraRateLimitCounters.TABLES);
        tables.addBinding().toInstance(CassandraRateLimitOverrides.TABLES);

        Multibinder.newSetBinder(binder(), Routes.class).addBinding().to(RateLimitRoutes.class);
    }

    @Provides
    @Singleton
    RateLimitPolicy policy(PropertiesProvider propertiesProvider, RateLimitOverrides overrides) throws ConfigurationException {
        try {
            return new RateLimitPolicy(RateLimitPolicy.defaultsFrom(propertiesProvider.getConfiguration(CONFIGURATION_FILE)), overrides);
        } catch (FileNotFoundException e) {
            LOGGER.warn("No conf/ratelimit.properties: no default rate limits, only those set through WebAdmin apply");
            return new RateLimitPolicy(java.util.Map.of(), overrides);
        }
    }
}
