package dev.mailserver.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private EmbeddedCassandra cassandra;
    private String keyspace;
    private MailServer server;

    /** Lowers {@code <maxmessagesize>} of every SMTP server in smtpserver.xml. */
    public MailServerExtension withMaxMessageSizeKb(int kilobytes) {
        this.maxMessageSizeKb = Optional.of(kilobytes);
        return this;
    }

    private record ConfigurationEdit(String file, UnaryOperator<String> edit) {
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
        for (ConfigurationEdit configurationEdit : configurationEdits) {
            Path file = server.workDir().resolve("conf").resolve(configurationEdit.file());
            try {
                String before = Files.readString(file, StandardCharsets.UTF_8);
                String after = configurationEdit.edit().apply(before);
                if (after.equals(before)) {
                    throw new IllegalStateException("The configuration edit of " + file + " changed nothing: conf/ changed under the test");
                }
                Files.writeString(file, after, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        cassandra = EmbeddedCassandra.shared(context);
        String testClass = context.getRequiredTestClass().getSimpleName();
        keyspace = keyspaceFor(testClass);
        server = MailServer.prepare(TestEnvironment.workRoot().resolve(testClass), keyspace,
            cassandra.contactPoint(), maxMessageSizeKb);
        applyConfigurationEdits();
        server.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
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

    public MailServer.Ports ports() {
        return server().ports();
    }

    public WebAdmin webAdmin() {
        return server().webAdmin();
    }
}
