package dev.mailserver.search;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenSearch index holding one document per message, created with the settings and mapping of
 * {@code mailbox-index.json} the first time it is needed: at start when OpenSearch answers, otherwise
 * before the first write once it does. It is never left to OpenSearch's automatic creation, which
 * would guess the field types.
 */
public final class MailboxIndex {
    private static final Logger LOGGER = LoggerFactory.getLogger(MailboxIndex.class);

    private final OpenSearchConnection connection;
    private final OpenSearchConfiguration configuration;
    private volatile boolean known;

    public MailboxIndex(OpenSearchConnection connection, OpenSearchConfiguration configuration) {
        this.connection = connection;
        this.configuration = configuration;
    }

    public String name() {
        return configuration.indexName();
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
        String definition = definition(configuration.shards(), configuration.replicas());
        try (Response response = connection.client().generic().execute(Requests.builder()
                .method("PUT").endpoint("/" + name()).json(definition).build())) {
            String body = response.getBody().map(Body::bodyAsString).orElse("");
            if (response.getStatus() == 200) {
                LOGGER.info("Created OpenSearch index {} ({} shards, {} replicas)", name(),
                    configuration.shards(), configuration.replicas());
            } else if (body.contains("resource_already_exists_exception")) {
                // Another server of the cluster created it first.
                LOGGER.info("OpenSearch index {} was created concurrently", name());
            } else {
                throw new IOException("OpenSearch refused to create index " + name() + ": "
                    + response.getStatus() + " " + body);
            }
        }
    }

    static String definition(int shards, int replicas) {
        try (InputStream in = MailboxIndex.class.getResourceAsStream("mailbox-index.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                .replace("\"${shards}\"", String.valueOf(shards))
                .replace("\"${replicas}\"", String.valueOf(replicas));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
