package dev.mailserver.it.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Gives a test class its own running mail server, on the run's shared Cassandra but in keyspaces named
 * after the class, so classes never see each other's data. Register it as a static field:
 * <pre>{@code @RegisterExtension static final MailServerExtension server = new MailServerExtension();}</pre>
 * The server is started before the first test of the class and stopped after the last; when a test
 * fails, the tail of the server log is printed next to it.
 */
public final class MailServerExtension implements BeforeAllCallback, AfterAllCallback, TestWatcher {
    private Optional<Integer> maxMessageSizeKb = Optional.empty();
    private final List<ConfigurationEdit> configurationEdits = new ArrayList<>();
    private MailServer server;

    private record ConfigurationEdit(String file, UnaryOperator<String> edit) {
    }

    /** Lowers {@code <maxmessagesize>} of every SMTP server in smtpserver.xml. */
    public MailServerExtension withMaxMessageSizeKb(int kilobytes) {
        this.maxMessageSizeKb = Optional.of(kilobytes);
        return this;
    }

    /**
     * Changes a file of this server's copy of {@code conf/} before it starts, e.g. to point remote delivery
     * at a test SMTP sink. The edit must change the file, so that a renamed option fails loudly.
     */
    public MailServerExtension withConfiguration(String file, UnaryOperator<String> edit) {
        configurationEdits.add(new ConfigurationEdit(file, edit));
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        EmbeddedCassandra cassandra = EmbeddedCassandra.shared(context);
        String testClass = context.getRequiredTestClass().getSimpleName();
        server = MailServer.prepare(TestEnvironment.workRoot().resolve(testClass), keyspaceFor(testClass),
            cassandra.contactPoint(), maxMessageSizeKb);
        configurationEdits.forEach(change -> server.editConfiguration(change.file(), change.edit()));
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

    public MailServer.Ports ports() {
        return server().ports();
    }

    public WebAdmin webAdmin() {
        return server().webAdmin();
    }
}
