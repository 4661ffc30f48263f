package dev.mailserver.it.harness;

import java.util.Locale;
import java.util.Optional;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Gives a test class its own running mail server, on the run's shared Cassandra and OpenSearch but in
 * keyspaces and a search index named after the class, so classes never see each other's data. Register it as a static field:
 * <pre>{@code @RegisterExtension static final MailServerExtension server = new MailServerExtension();}</pre>
 * The server is started before the first test of the class and stopped after the last; when a test
 * fails, the tail of the server log is printed next to it.
 */
public final class MailServerExtension implements BeforeAllCallback, AfterAllCallback, TestWatcher {
    private Optional<Integer> maxMessageSizeKb = Optional.empty();
    private MailServer server;
    private EmbeddedOpenSearch openSearch;
    private String indexName;

    /** Lowers {@code <maxmessagesize>} of every SMTP server in smtpserver.xml. */
    public MailServerExtension withMaxMessageSizeKb(int kilobytes) {
        this.maxMessageSizeKb = Optional.of(kilobytes);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        EmbeddedCassandra cassandra = EmbeddedCassandra.shared(context);
        String testClass = context.getRequiredTestClass().getSimpleName();
        openSearch = EmbeddedOpenSearch.shared(context);
        indexName = keyspaceFor(testClass).replace('_', '-');
        server = MailServer.prepare(TestEnvironment.workRoot().resolve(testClass), keyspaceFor(testClass),
            cassandra.contactPoint(), maxMessageSizeKb)
            .withOpenSearch(openSearch.hostAndPort(), indexName);
        server.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.stop();
        }
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        if (server != null) {
            System.err.printf("[it] %s failed; server log:%n%s%n", context.getDisplayName(), server.logTail(60));
        }
    }

    /** CQL identifiers: letters, digits and underscores, at most 48 characters (with the "_cache" suffix). */
    static String keyspaceFor(String testClass) {
        String snake = testClass.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9_]", "_");
        String keyspace = "it_" + snake;
        return keyspace.length() > 42 ? keyspace.substring(0, 42) : keyspace;
    }

    public MailServer server() {
        if (server == null) {
            throw new IllegalStateException("The mail server is started in beforeAll; register the extension as a static field");
        }
        return server;
    }

    /** The run's OpenSearch node, which a test may stop and start again. */
    public EmbeddedOpenSearch openSearch() {
        return openSearch;
    }

    /** The alias of this class's search index in {@link #openSearch()}. */
    public String indexName() {
        return indexName;
    }

    public MailServer.Ports ports() {
        return server().ports();
    }

    public WebAdmin webAdmin() {
        return server().webAdmin();
    }
}
