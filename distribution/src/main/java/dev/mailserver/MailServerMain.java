package dev.mailserver;

import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.james.ExtraProperties;
import org.apache.james.GuiceJamesServer;
import org.apache.james.JamesServerMain;
import org.apache.james.modules.MailboxModule;
import org.apache.james.modules.MailetProcessingModule;
import org.apache.james.modules.protocols.IMAPServerModule;
import org.apache.james.modules.protocols.POP3ServerModule;
import org.apache.james.modules.protocols.ProtocolHandlerModule;
import org.apache.james.modules.protocols.SMTPServerModule;
import org.apache.james.modules.server.DataRoutesModules;
import org.apache.james.modules.server.DefaultProcessorsConfigurationProviderModule;
import org.apache.james.modules.server.NoJwtModule;
import org.apache.james.modules.server.RawPostDequeueDecoratorModule;
import org.apache.james.modules.server.MailQueueRoutesModule;
import org.apache.james.modules.server.MailRepositoriesRoutesModule;
import org.apache.james.modules.server.MailboxRoutesModule;
import org.apache.james.modules.server.SieveRoutesModule;
import org.apache.james.modules.server.TaskManagerModule;
import org.apache.james.modules.server.WebAdminServerModule;
import org.apache.james.server.core.configuration.Configuration;

import com.google.inject.Module;
import com.google.inject.util.Modules;

import dev.mailserver.bounce.BounceModule;
import dev.mailserver.dkim.DkimModule;
import dev.mailserver.queue.ActiveMQMailQueueModule;
import dev.mailserver.ratelimit.RateLimitModule;
import dev.mailserver.search.OpenSearchSearchModule;
import dev.mailserver.storage.cassandra.CassandraBlobStorageModule;
import dev.mailserver.storage.cassandra.CassandraClusterModule;
import dev.mailserver.storage.cassandra.CassandraEventDeadLettersModule;
import dev.mailserver.storage.cassandra.CassandraEventSourcingModule;
import dev.mailserver.storage.cassandra.CassandraMailRepositoryStorageModule;
import dev.mailserver.storage.cassandra.CassandraMailboxStorageModule;
import dev.mailserver.storage.cassandra.CassandraSieveStorageModule;
import dev.mailserver.storage.cassandra.CassandraUserDataModule;
import dev.mailserver.tls.SelfSignedCertificate;

/**
 * The company mail server: James's protocol servers, mail processing and WebAdmin on top of Cassandra
 * storage, an OpenSearch search index and a local ActiveMQ queue. This class only lists modules; each
 * module owns one concern.
 *
 * <p>Configuration is read from {@code conf/} and local state written to {@code var/}, both under the
 * directory given by the {@code working.directory} system property.
 */
public final class MailServerMain implements JamesServerMain {
    public static final Module PROTOCOLS = Modules.combine(
        new ProtocolHandlerModule(),
        new SMTPServerModule(),
        new IMAPServerModule(),
        new POP3ServerModule());

    public static final Module WEBADMIN = Modules.combine(
        new WebAdminServerModule(),
        // WebAdmin can fall back on JMAP's token settings; there is no JMAP here, so that fallback fails.
        new NoJwtModule(),
        new DataRoutesModules(),
        new MailboxRoutesModule(),
        new MailQueueRoutesModule(),
        new MailRepositoriesRoutesModule(),
        new SieveRoutesModule());

    public static final Module CASSANDRA_STORAGE = Modules.combine(
        new CassandraClusterModule(),
        new CassandraBlobStorageModule(),
        new CassandraMailboxStorageModule(),
        new CassandraUserDataModule(),
        new CassandraMailRepositoryStorageModule(),
        new CassandraEventSourcingModule(),
        new CassandraEventDeadLettersModule(),
        new CassandraSieveStorageModule());

    /** IMAP SEARCH answered by OpenSearch (conf/opensearch.properties), with WebAdmin reindexing. */
    public static final Module SEARCH = new OpenSearchSearchModule();

    public static final Module MAIL_PROCESSING = Modules.combine(
        new MailboxModule(),
        new MailetProcessingModule(),
        new DefaultProcessorsConfigurationProviderModule(),
        new RawPostDequeueDecoratorModule(),
        new ActiveMQMailQueueModule(),
        new TaskManagerModule());

    /** Our own features, each with its store, WebAdmin routes and tables, in the mailets module. */
    public static final Module FEATURES = Modules.combine(
        new RateLimitModule(),
        new DkimModule(),
        new BounceModule());

    private static final String CASSANDRA_DRIVER_SETTINGS = "config.file";

    private MailServerMain() {
    }

    public static GuiceJamesServer createServer(Configuration configuration) {
        return GuiceJamesServer.forConfiguration(configuration)
            .combineWith(CASSANDRA_STORAGE, SEARCH, MAIL_PROCESSING, PROTOCOLS, WEBADMIN, FEATURES);
    }

    /**
     * The Cassandra driver reads its settings (timeouts, pool sizes, TLS) from the file named by the
     * {@code config.file} system property; point it at {@code conf/cassandra-driver.conf} unless the
     * JVM was given another one.
     */
    private static void useCassandraDriverSettings(Path workingDirectory) {
        Path driverSettings = workingDirectory.resolve("conf/cassandra-driver.conf");
        if (System.getProperty(CASSANDRA_DRIVER_SETTINGS) == null && Files.isRegularFile(driverSettings)) {
            System.setProperty(CASSANDRA_DRIVER_SETTINGS, driverSettings.toAbsolutePath().toString());
        }
    }

    public static void main(String[] args) throws Exception {
        ExtraProperties.initialize();
        Configuration configuration = Configuration.builder()
            .useWorkingDirectoryEnvProperty()
            .build();
        Path workingDirectory = Path.of(configuration.directories().getRootDirectory());
        useCassandraDriverSettings(workingDirectory);
        SelfSignedCertificate.generateIfAbsent(workingDirectory);
        JamesServerMain.main(createServer(configuration));
    }
}
