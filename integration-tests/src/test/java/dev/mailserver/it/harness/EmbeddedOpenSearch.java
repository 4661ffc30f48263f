package dev.mailserver.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one OpenSearch node of a test run, started through the project's own launcher
 * ({@code embedded/opensearch/opensearch-node}) on a free port, shared by all test classes (each class
 * has its own index), and stopped when JUnit closes the root context or, failing that, when the test
 * JVM exits. {@link #stop()} and {@link #start()} let a test take it away and bring it back on the same
 * port and data.
 *
 * <p>Setting the system property {@code it.opensearch} to {@code host:port} uses an already running
 * node instead; it is then neither started nor stopped (and tests that stop it are skipped).
 * {@code it.opensearch.heap} sets the node's heap (default 384m, enough for the tests).
 */
public final class EmbeddedOpenSearch implements ExtensionContext.Store.CloseableResource {
    /** The first start resolves the node's jars with Maven, so it may take minutes on a fresh machine. */
    private static final Duration LAUNCH_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(1);
    private static RuntimeException startFailure;

    private final Path launcher;
    private final Path dataDir;
    private final int httpPort;
    private final String host;
    private final boolean ownedByUs;
    private boolean running;

    private EmbeddedOpenSearch(Path launcher, Path dataDir, String host, int httpPort, boolean ownedByUs) {
        this.launcher = launcher;
        this.dataDir = dataDir;
        this.host = host;
        this.httpPort = httpPort;
        this.ownedByUs = ownedByUs;
    }

    /** The node shared by the whole run, started on first use. */
    public static synchronized EmbeddedOpenSearch shared(ExtensionContext context) {
        if (startFailure != null) {
            throw new IllegalStateException("OpenSearch failed to start earlier in this run", startFailure);
        }
        try {
            return context.getRoot()
                .getStore(ExtensionContext.Namespace.create(EmbeddedOpenSearch.class))
                .getOrComputeIfAbsent(EmbeddedOpenSearch.class, key -> launch(), EmbeddedOpenSearch.class);
        } catch (RuntimeException e) {
            startFailure = e;
            throw e;
        }
    }

    private static EmbeddedOpenSearch launch() {
        String external = System.getProperty("it.opensearch", "").trim();
        if (!external.isEmpty()) {
            int colon = external.lastIndexOf(':');
            return new EmbeddedOpenSearch(null, null, external.substring(0, colon),
                Integer.parseInt(external.substring(colon + 1)), false);
        }
        Path launcher = TestEnvironment.repositoryRoot().resolve("embedded/opensearch/opensearch-node");
        if (!Files.isRegularFile(launcher)) {
            throw new IllegalStateException("The OpenSearch launcher " + launcher + " does not exist");
        }
        Path runDir = TestEnvironment.workRoot().resolve("opensearch");
        TestEnvironment.deleteRecursively(runDir);
        EmbeddedOpenSearch node = new EmbeddedOpenSearch(launcher, runDir.resolve("data"), "127.0.0.1",
            TestEnvironment.freePort(), true);
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "stop-embedded-opensearch"));
        node.start();
        return node;
    }

    /** Starts the node (again, on the same port and data); returns once it answers. */
    public synchronized void start() {
        requireOwned();
        try {
            Files.createDirectories(dataDir);
            System.out.printf("[it] starting OpenSearch on %s (data %s)%n", hostAndPort(), dataDir);
            long startedAt = System.nanoTime();
            Process process = launcherCommand("start").start();
            running = true;
            if (!process.waitFor(LAUNCH_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("opensearch-node start did not return within " + LAUNCH_TIMEOUT
                    + "\n" + TestEnvironment.tail(launcherLog(), 60));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("opensearch-node start exited " + process.exitValue()
                    + "\n--- " + launcherLog() + "\n" + TestEnvironment.tail(launcherLog(), 60)
                    + "\n--- " + dataDir.resolve("opensearch.log") + "\n"
                    + TestEnvironment.tail(dataDir.resolve("opensearch.log"), 60));
            }
            System.out.printf("[it] OpenSearch ready on %s after %d s%n", hostAndPort(),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAt));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the node the way an admin would (SIGTERM through the launcher); its data stays. */
    public synchronized void stop() {
        requireOwned();
        try {
            Process process = launcherCommand("stop").start();
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("opensearch-node stop did not return within " + STOP_TIMEOUT);
            }
            running = false;
            System.out.println("[it] OpenSearch stopped");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public boolean canBeStopped() {
        return ownedByUs;
    }

    private void requireOwned() {
        if (!ownedByUs) {
            throw new IllegalStateException("OpenSearch " + hostAndPort() + " is not ours (it.opensearch): not starting or stopping it");
        }
    }

    private ProcessBuilder launcherCommand(String action) {
        ProcessBuilder builder = new ProcessBuilder("bash", launcher.toString(), action, dataDir.toString())
            .directory(TestEnvironment.repositoryRoot().toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(launcherLog().toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(Map.of(
            "HTTP_PORT", String.valueOf(httpPort),
            "BIND_HOST", host,
            "HEAP", System.getProperty("it.opensearch.heap", "384m")));
        return builder;
    }

    private Path launcherLog() {
        return dataDir.resolveSibling("launcher.log");
    }

    /** For the server's {@code opensearch.hosts}: {@code host:port}. */
    public String hostAndPort() {
        return host + ":" + httpPort;
    }

    @Override
    public synchronized void close() {
        if (ownedByUs && running) {
            try {
                stop();
            } catch (RuntimeException e) {
                System.err.println("[it] could not stop OpenSearch: " + e);
            }
        }
    }
}
