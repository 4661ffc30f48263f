package dev.mailserver.search;

import java.io.FileNotFoundException;
import java.util.Optional;

import javax.inject.Singleton;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.events.EventListener;
import org.apache.james.mailbox.extractor.TextExtractor;
import org.apache.james.mailbox.indexer.MessageIdReIndexer;
import org.apache.james.mailbox.indexer.ReIndexer;
import org.apache.james.mailbox.store.extractor.JsoupTextExtractor;
import org.apache.james.mailbox.store.search.ListeningMessageSearchIndex;
import org.apache.james.mailbox.store.search.MessageSearchIndex;
import org.apache.james.modules.server.ReIndexingModule;
import org.apache.james.modules.server.WebAdminReIndexingTaskSerializationModule;
import org.apache.james.utils.InitializationOperation;
import org.apache.james.utils.InitilizationOperationBuilder;
import org.apache.james.utils.PropertiesProvider;
import org.apache.mailbox.tools.indexer.MessageIdReIndexerImpl;
import org.apache.mailbox.tools.indexer.ReIndexerImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.ProvidesIntoSet;

/**
 * Mailbox search answered by OpenSearch: the index as James's message search index and as a mailbox
 * event listener, its configuration ({@code conf/opensearch.properties}), the replay of missed events,
 * a health check, and reindexing (James's ReIndexer behind WebAdmin's {@code /mailboxes?task=reIndex}).
 */
public class OpenSearchSearchModule extends AbstractModule {
    private static final Logger LOGGER = LoggerFactory.getLogger(OpenSearchSearchModule.class);
    static final String CONFIGURATION_FILE = "opensearch";

    @Override
    protected void configure() {
        bind(OpenSearchMessageSearchIndex.class).in(Scopes.SINGLETON);
        bind(MessageSearchIndex.class).to(OpenSearchMessageSearchIndex.class);
        bind(ListeningMessageSearchIndex.class).to(OpenSearchMessageSearchIndex.class);
        Multibinder.newSetBinder(binder(), EventListener.ReactiveGroupEventListener.class)
            .addBinding().to(OpenSearchMessageSearchIndex.class);
        // No search is answered elsewhere; the set is where a future override would go.
        Multibinder.newSetBinder(binder(), ListeningMessageSearchIndex.SearchOverride.class);
        // Attachment text for James's in-memory matching; the index itself reads text parts only.
        bind(JsoupTextExtractor.class).in(Scopes.SINGLETON);
        bind(TextExtractor.class).to(JsoupTextExtractor.class);

        bind(DeadLetterRedelivery.class).in(Scopes.SINGLETON);
        Multibinder.newSetBinder(binder(), HealthCheck.class).addBinding().to(OpenSearchHealthCheck.class);

        bind(ReIndexerImpl.class).in(Scopes.SINGLETON);
        bind(ReIndexer.class).to(ReIndexerImpl.class);
        bind(MessageIdReIndexerImpl.class).in(Scopes.SINGLETON);
        bind(MessageIdReIndexer.class).to(MessageIdReIndexerImpl.class);
        install(new ReIndexingModule());
        install(new WebAdminReIndexingTaskSerializationModule());
    }

    @Provides
    @Singleton
    OpenSearchConfiguration configuration(PropertiesProvider properties) throws ConfigurationException {
        Optional<String> hostsFromEnvironment = Optional.ofNullable(System.getenv(OpenSearchConfiguration.HOSTS_ENVIRONMENT_VARIABLE));
        try {
            return OpenSearchConfiguration.from(properties.getConfiguration(CONFIGURATION_FILE), hostsFromEnvironment);
        } catch (FileNotFoundException e) {
            LOGGER.warn("No conf/opensearch.properties: using the defaults (OpenSearch on 127.0.0.1:9200)");
            return OpenSearchConfiguration.from(new org.apache.commons.configuration2.PropertiesConfiguration(), hostsFromEnvironment);
        }
    }

    @Provides
    @Singleton
    OpenSearchConnection connection(OpenSearchConfiguration configuration) {
        return new OpenSearchConnection(configuration);
    }

    @Provides
    @Singleton
    MailboxIndex index(OpenSearchConnection connection, OpenSearchConfiguration configuration) {
        return new MailboxIndex(connection, configuration);
    }

    @ProvidesIntoSet
    InitializationOperation createIndexAndReplayMissedEvents(DeadLetterRedelivery redelivery) {
        return InitilizationOperationBuilder
            .forClass(DeadLetterRedelivery.class)
            .init(redelivery::start);
    }
}
