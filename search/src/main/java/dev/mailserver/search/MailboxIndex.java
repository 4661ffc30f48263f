package dev.mailserver.search;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenSearch index holding one document per message, created with the settings and mapping of
 * {@code mailbox-index.json} the first time it is needed: at start when OpenSearch answers, otherwise
 * before the first write once it does.
 *
 * <p>The server reads and writes through an alias ({@code opensearch.index.name}) pointing at the real
 * index ({@code <name>-v1}), and every write requires the alias: if the index disappears (a wiped or
 * replaced cluster), writes fail instead of letting OpenSearch create an index that guesses the field
 * types, {@link #forget()} makes the next write create it properly, and the creation asks for a full
 * reindex ({@link #takeReindexRequest()}), because the new index lacks everything indexed before.
 */
public final class MailboxIndex {
    private static final Logger LOGGER = LoggerFactory.getLogger(MailboxIndex.class);

    private final OpenSearchConnection connection;
    private final OpenSearchConfiguration configuration;
    private volatile boolean known;
    private final AtomicBoolean reindexRequested = new AtomicBoolean();

    public MailboxIndex(OpenSearchConnection connection, OpenSearchConfiguration configuration) {
        this.connection = connection;
        this.configuration = configuration;
    }

    /** The alias every request goes through. */
    public String name() {
        return configuration.indexName();
    }

    String physicalName() {
        return configuration.indexName() + "-v1";
    }

    /** Called when OpenSearch says the index does not exist: the next write checks and creates it again. */
    public void forget() {
        known = false;
    }

    /** True once after each creation of the index: its content must be rebuilt from the mailboxes. */
    public boolean takeReindexRequest() {
        return reindexRequested.getAndSet(false);
    }

    /** Creates the index unless it exists. Throws when OpenSearch cannot be reached or refuses. */
    public void ensureExists() throws IOException {
        if (known) {
            return;
        }
        if (!connection.client().indices().exists(e -> e.index(name())).value()) {
            create();
        }
        known = true;
    }

    private void create() throws IOException {
        String definition = definition(configuration.shards(), configuration.replicas(), name());
        try (Response response = connection.client().generic().execute(Requests.builder()
                .method("PUT").endpoint("/" + physicalName()).json(definition).build())) {
            String body = response.getBody().map(Body::bodyAsString).orElse("");
            if (response.getStatus() == 200) {
                LOGGER.info("Created OpenSearch index {} with alias {} ({} shards, {} replicas); a full reindex follows",
                    physicalName(), name(), configuration.shards(), configuration.replicas());
                reindexRequested.set(true);
            } else if (body.contains("resource_already_exists_exception")) {
                // Another server of the cluster created it first.
                LOGGER.info("OpenSearch index {} was created concurrently", name());
            } else {
                throw new IOException("OpenSearch refused to create index " + name() + ": "
                    + response.getStatus() + " " + body);
            }
        }
    }

    static String definition(int shards, int replicas, String alias) {
        try (InputStream in = MailboxIndex.class.getResourceAsStream("mailbox-index.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                .replace("\"${shards}\"", String.valueOf(shards))
                .replace("\"${replicas}\"", String.valueOf(replicas))
                .replace("${alias}", alias);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
