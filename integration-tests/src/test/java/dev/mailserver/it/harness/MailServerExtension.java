package dev.mailserver.it.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Gives a test class its own running mail server, on the run's shared Cassandra and OpenSearch but in
 * keyspaces and a search index named after the class, so classes never see each other's data.
 * Register it as a static field:
 * <pre>{@code @RegisterExtension static final MailServerExtension server = new MailServerExtension();}</pre>
 * The server is started before the first test of the class and stopped after the last; when a test
 * fails, the tail of the server log is printed next to it.
 */
public final class MailServerExtension implements BeforeAllCallback, AfterAllCallback, TestWatcher {
    private Optional<Integer> maxMessageSizeKb = Optional.empty();
    private Consumer<Path> configurationChange = conf -> { };
    private final List<ConfigurationEdit> configurationEdits = new ArrayList<>();
    private EmbeddedCassandra cassandra;
    private MailServer server;
    private EmbeddedOpenSearch openSearch;
    private String indexName;
    private final List<MailServer> otherNodes = new ArrayList<>();
    private String keyspace;
    private String cassandraContactPoint;
    private String testClass;

    private record ConfigurationEdit(String file, UnaryOperator<String> edit) {
    }

    /** Lowers {@code <maxmessagesize>} of every SMTP server in smtpserver.xml. */
    public MailServerExtension withMaxMessageSizeKb(int kilobytes) {
        this.maxMessageSizeKb = Optional.of(kilobytes);
        return this;
    }

    /** Changes the server's copy of conf/ (the directory is given) before it starts. */
    public MailServerExtension withConfiguration(Consumer<Path> change) {
        this.configurationChange = change;
        return this;
    }

    /**
     * Changes this class's copy of {@code conf/<file>} before the server starts, for example to point
     * RemoteDelivery at a test SMTP sink. The edit runs in beforeAll, so it may use ports opened by
     * static fields declared above the extension; an edit that changes nothing fails the class.
     */
    public MailServerExtension withConfigurationEdit(String file, UnaryOperator<String> edit) {
        configurationEdits.add(new ConfigurationEdit(file, edit));
        return this;
    }

    private void applyConfigurationEdits() {
        configurationEdits.forEach(change -> server.editConfiguration(change.file(), change.edit()));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        cassandra = EmbeddedCassandra.shared(context);
        testClass = context.getRequiredTestClass().getSimpleName();
        keyspace = keyspaceFor(testClass);
        cassandraContactPoint = cassandra.contactPoint();
        openSearch = EmbeddedOpenSearch.shared(context);
        indexName = keyspace.replace('_', '-');
        server = MailServer.prepare(TestEnvironment.workRoot().resolve(testClass), keyspace,
            cassandraContactPoint, maxMessageSizeKb)
            .withOpenSearch(openSearch.hostAndPort(), indexName);
        configurationChange.accept(server.workDir().resolve("conf"));
        applyConfigurationEdits();
        server.start();
    }

    /**
     * Starts one more server on the same keyspaces as the class's server, as a second node of the same
     * cluster: same users, domains, mail and counters, its own ports, queue and working directory.
     * Stopped with the class's server.
     */
    public MailServer startAnotherNode() {
        return startAnotherNode(configurationChange);
    }

    /** Same as {@link #startAnotherNode()}, with its own change to its copy of conf/. */
    public MailServer startAnotherNode(Consumer<Path> change) {
        MailServer node = MailServer.prepare(
            TestEnvironment.workRoot().resolve(testClass + "-node" + (otherNodes.size() + 2)), keyspace,
            cassandraContactPoint, maxMessageSizeKb)
            .withOpenSearch(openSearch.hostAndPort(), indexName);
        change.accept(node.workDir().resolve("conf"));
        otherNodes.add(node);
        node.start();
        return node;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            otherNodes.forEach(MailServer::stop);
            if (server != null) {
                server.stop();
            }
        } finally {
            if (cassandra != null) {
                cassandra.dropKeyspaces(List.of(keyspace, MailServer.cacheKeyspaceOf(keyspace)));
            }
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
