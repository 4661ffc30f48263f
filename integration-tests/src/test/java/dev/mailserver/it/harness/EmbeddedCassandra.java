package dev.mailserver.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.ExtensionContext;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.internal.core.loadbalancing.DcInferringLoadBalancingPolicy;

/**
 * The one Cassandra node of a test run, started through the project's own launcher
 * ({@code embedded/cassandra/cassandra-node}) on random ports, shared by all test classes (each class
 * uses its own keyspaces), and stopped when JUnit closes the root context or, failing that, when the
 * test JVM exits.
 *
 * <p>Setting the system property {@code it.cassandra} to {@code host:port} uses an already running
 * node instead (handy when iterating on one test class); it is then neither started nor stopped.
 */
public final class EmbeddedCassandra implements ExtensionContext.Store.CloseableResource {
    /** The first start builds the node's jars with Maven, so it may take minutes on a fresh machine. */
    private static final Duration LAUNCH_TIMEOUT = Duration.ofMinutes(15);
    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(2);

    private final Path launcher;
    private final Path dataDir;
    private final String contactPoint;
    private final boolean ownedByUs;
    private boolean stopped;
    /** A failed start is not retried by every following test class: they fail at once with the same cause. */
    private static RuntimeException startFailure;

    private EmbeddedCassandra(Path launcher, Path dataDir, String contactPoint, boolean ownedByUs) {
        this.launcher = launcher;
        this.dataDir = dataDir;
        this.contactPoint = contactPoint;
        this.ownedByUs = ownedByUs;
    }

    /** The node shared by the whole run, started on first use. */
    public static synchronized EmbeddedCassandra shared(ExtensionContext context) {
        if (startFailure != null) {
            throw new IllegalStateException("Cassandra failed to start earlier in this run", startFailure);
        }
        try {
            return context.getRoot()
                .getStore(ExtensionContext.Namespace.create(EmbeddedCassandra.class))
                .getOrComputeIfAbsent(EmbeddedCassandra.class, key -> start(), EmbeddedCassandra.class);
        } catch (RuntimeException e) {
            startFailure = e;
            throw e;
        }
    }

    private static EmbeddedCassandra start() {
        String external = System.getProperty("it.cassandra", "").trim();
        if (!external.isEmpty()) {
            return new EmbeddedCassandra(null, null, external, false);
        }
        Path launcher = TestEnvironment.repositoryRoot().resolve("embedded/cassandra/cassandra-node");
        if (!Files.isRegularFile(launcher)) {
            throw new IllegalStateException("The Cassandra launcher " + launcher + " does not exist");
        }
        Path runDir = TestEnvironment.workRoot().resolve("cassandra");
        TestEnvironment.deleteRecursively(runDir);
        Path dataDir = runDir.resolve("data");
        Path launcherLog = runDir.resolve("launcher.log");
        int cqlPort = TestEnvironment.freePort();
        int storagePort = TestEnvironment.freePort();
        EmbeddedCassandra cassandra = new EmbeddedCassandra(launcher, dataDir, "127.0.0.1:" + cqlPort, true);
        try {
            Files.createDirectories(dataDir);
            ProcessBuilder builder = new ProcessBuilder("bash", launcher.toString(), "start", dataDir.toString())
                .directory(TestEnvironment.repositoryRoot().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(launcherLog.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().putAll(Map.of(
                "CQL_PORT", String.valueOf(cqlPort),
                "LISTEN_ADDR", "127.0.0.1",
                "STORAGE_PORT", String.valueOf(storagePort),
                "JMX_PORT", "",
                "MAX_HEAP", "512M"));
            // From here on the node may be running: make sure it goes away with this JVM.
            Runtime.getRuntime().addShutdownHook(new Thread(cassandra::close, "stop-embedded-cassandra"));
            System.out.printf("[it] starting Cassandra on %s (data %s)%n", cassandra.contactPoint, dataDir);
            long startedAt = System.nanoTime();
            Process process = builder.start();
            if (!process.waitFor(LAUNCH_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("cassandra-node start did not return within " + LAUNCH_TIMEOUT
                    + "\n" + TestEnvironment.tail(launcherLog, 60));
            }
            if (process.exitValue() != 0 || !TestEnvironment.accepts("127.0.0.1", cqlPort)) {
                throw new IllegalStateException("cassandra-node start exited " + process.exitValue()
                    + " and CQL port " + cqlPort + (TestEnvironment.accepts("127.0.0.1", cqlPort) ? " accepts" : " does not accept")
                    + "\n--- " + launcherLog + "\n" + TestEnvironment.tail(launcherLog, 60)
                    + "\n--- Cassandra logs\n" + cassandra.logTail(60));
            }
            System.out.printf("[it] Cassandra ready on %s after %d s%n", cassandra.contactPoint,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAt));
            return cassandra;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** For the server's {@code CASSANDRA_NODES}: {@code host:port}. */
    public String contactPoint() {
        return contactPoint;
    }

    /**
     * Drops a finished test class's keyspaces. Each keyspace of the server holds some 45 tables, each
     * with its own memtable on the heap: without this the node's heap fills up as test classes add up.
     */
    public void dropKeyspaces(List<String> keyspaces) {
        int separator = contactPoint.lastIndexOf(':');
        DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
            .withClass(DefaultDriverOption.LOAD_BALANCING_POLICY_CLASS, DcInferringLoadBalancingPolicy.class)
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(60))
            .build();
        try (CqlSession session = CqlSession.builder()
            .addContactPoint(new InetSocketAddress(contactPoint.substring(0, separator),
                Integer.parseInt(contactPoint.substring(separator + 1))))
            .withConfigLoader(config)
            .build()) {
            for (String keyspace : keyspaces) {
                session.execute("DROP KEYSPACE IF EXISTS " + keyspace);
            }
        } catch (RuntimeException e) {
            System.err.println("[it] could not drop keyspaces " + keyspaces + ": " + e);
        }
    }

    private String logTail(int lines) {
        try (var files = Files.walk(dataDir)) {
            List<Path> logs = files.filter(path -> path.toString().endsWith(".log")).toList();
            StringBuilder out = new StringBuilder();
            for (Path log : logs) {
                out.append("--- ").append(log).append('\n').append(TestEnvironment.tail(log, lines)).append('\n');
            }
            return out.toString();
        } catch (IOException e) {
            return "(no Cassandra logs under " + dataDir + ": " + e + ")";
        }
    }

    @Override
    public synchronized void close() {
        if (!ownedByUs || stopped) {
            return;
        }
        stopped = true;
        try {
            Process process = new ProcessBuilder("bash", launcher.toString(), "stop", dataDir.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolveSibling("launcher.log").toFile()))
                .start();
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                System.err.println("[it] cassandra-node stop did not return within " + STOP_TIMEOUT);
            } else {
                System.out.println("[it] Cassandra stopped");
            }
        } catch (IOException e) {
            System.err.println("[it] could not stop Cassandra: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
