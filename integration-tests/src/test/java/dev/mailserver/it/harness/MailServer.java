package dev.mailserver.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mail server JVM, started the way an admin starts it ({@code dev.mailserver.MailServerMain} on
 * {@code distribution/target/mailserver.jar} and {@code lib/*}), with its own working directory: a
 * copy of the repository's {@code conf/} whose ports are moved to free ones and whose keyspaces are
 * this server's own, plus {@code var/} (queue store, generated keystore) and {@code server.log}.
 * Stopping and starting again reuses the same working directory, so it is a real restart.
 */
public final class MailServer {
    /** A first start creates ~90 tables; on a loaded 2-core machine that took up to 110 s. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final String MAIN_CLASS = "dev.mailserver.MailServerMain";
    /** Servers still running when the test JVM exits (a crashed test, Ctrl-C) are killed with it. */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(
            () -> RUNNING.forEach(Process::destroyForcibly), "kill-leftover-mail-servers"));
    }

    /** The ports of one server instance; the defaults of conf/ are in the comments. */
    public record Ports(int smtp /* 25 */, int submission /* 587 */, int smtps /* 465 */,
                        int imap /* 143 */, int imaps /* 993 */, int pop3 /* 110 */, int pop3s /* 995 */,
                        int webAdmin /* 8000 */) {
        static Ports free() {
            return new Ports(TestEnvironment.freePort(), TestEnvironment.freePort(), TestEnvironment.freePort(),
                TestEnvironment.freePort(), TestEnvironment.freePort(), TestEnvironment.freePort(),
                TestEnvironment.freePort(), TestEnvironment.freePort());
        }

        Map<String, Integer> byName() {
            Map<String, Integer> ports = new LinkedHashMap<>();
            ports.put("SMTP", smtp);
            ports.put("submission", submission);
            ports.put("SMTPS", smtps);
            ports.put("IMAP", imap);
            ports.put("IMAPS", imaps);
            ports.put("POP3", pop3);
            ports.put("POP3S", pop3s);
            ports.put("WebAdmin", webAdmin);
            return ports;
        }
    }

    private final Path workDir;
    private final Ports ports;
    private final String cassandraContactPoint;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private int starts;

    private MailServer(Path workDir, Ports ports, String cassandraContactPoint) {
        this.workDir = workDir;
        this.ports = ports;
        this.cassandraContactPoint = cassandraContactPoint;
    }

    /**
     * Lays out a fresh working directory for a server that stores its data in {@code keyspace} (and
     * {@code keyspace_cache}). Nothing is started yet.
     */
    public static MailServer prepare(Path workDir, String keyspace, String cassandraContactPoint,
                                     Optional<Integer> maxMessageSizeKb) {
        TestEnvironment.deleteRecursively(workDir);
        Ports ports = Ports.free();
        try {
            copyConfiguration(TestEnvironment.repositoryRoot().resolve("conf"), workDir.resolve("conf"));
            rewriteConfiguration(workDir.resolve("conf"), ports, keyspace, maxMessageSizeKb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new MailServer(workDir, ports, cassandraContactPoint);
    }

    static String cacheKeyspaceOf(String keyspace) {
        return keyspace + "_cache";
    }

    private static void copyConfiguration(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            throw new IllegalStateException("The default configuration directory " + from + " does not exist");
        }
        try (var paths = Files.walk(from)) {
            for (Path source : paths.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    private static void rewriteConfiguration(Path conf, Ports ports, String keyspace,
                                             Optional<Integer> maxMessageSizeKb) throws IOException {
        rewrite(conf.resolve("smtpserver.xml"), Map.of(
            ":25<", ":" + ports.smtp() + "<",
            ":587<", ":" + ports.submission() + "<",
            ":465<", ":" + ports.smtps() + "<"));
        rewrite(conf.resolve("imapserver.xml"), Map.of(
            ":143<", ":" + ports.imap() + "<",
            ":993<", ":" + ports.imaps() + "<"));
        rewrite(conf.resolve("pop3server.xml"), Map.of(
            ":110<", ":" + ports.pop3() + "<",
            ":995<", ":" + ports.pop3s() + "<"));
        rewrite(conf.resolve("webadmin.properties"), Map.of("port=8000", "port=" + ports.webAdmin()));

        Path cassandra = conf.resolve("cassandra.properties");
        String properties = Files.readString(cassandra, StandardCharsets.UTF_8);
        properties = setProperty(properties, "cassandra.keyspace", keyspace);
        properties = setProperty(properties, "cassandra.keyspace.cache", cacheKeyspaceOf(keyspace));
        Files.writeString(cassandra, properties, StandardCharsets.UTF_8);

        if (maxMessageSizeKb.isPresent()) {
            Path smtp = conf.resolve("smtpserver.xml");
            String xml = Files.readString(smtp, StandardCharsets.UTF_8);
            Matcher matcher = Pattern.compile("<maxmessagesize>[^<]*</maxmessagesize>").matcher(xml);
            if (!matcher.find()) {
                throw new IllegalStateException(smtp + " has no <maxmessagesize> to lower");
            }
            Files.writeString(smtp, matcher.replaceAll("<maxmessagesize>" + maxMessageSizeKb.get() + "</maxmessagesize>"),
                StandardCharsets.UTF_8);
        }
    }

    /** Replaces each key by its value; a key that does not occur means conf/ changed under us: fail loudly. */
    private static void rewrite(Path file, Map<String, String> replacements) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        for (Map.Entry<String, String> replacement : replacements.entrySet()) {
            if (!text.contains(replacement.getKey())) {
                throw new IllegalStateException(file + " no longer contains '" + replacement.getKey()
                    + "': the test harness cannot move that port");
            }
            text = text.replace(replacement.getKey(), replacement.getValue());
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static String setProperty(String properties, String key, String value) {
        Matcher matcher = Pattern.compile("(?m)^\\s*" + Pattern.quote(key) + "\\s*[=:].*$").matcher(properties);
        if (matcher.find()) {
            return matcher.replaceAll(Matcher.quoteReplacement(key + "=" + value));
        }
        return properties + "\n" + key + "=" + value + "\n";
    }

    /**
     * Points the server at an OpenSearch node with its own index, and replays missed index updates every
     * 2 s instead of every minute so that tests of OpenSearch outages do not wait long.
     */
    public MailServer withOpenSearch(String hostAndPort, String indexName) {
        Path file = workDir.resolve("conf/opensearch.properties");
        try {
            String properties = Files.readString(file, StandardCharsets.UTF_8);
            properties = setProperty(properties, "opensearch.hosts", hostAndPort);
            properties = setProperty(properties, "opensearch.index.name", indexName);
            properties = setProperty(properties, "opensearch.redelivery.interval.seconds", "2");
            Files.writeString(file, properties, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public Ports ports() {
        return ports;
    }

    /** Rewrites one file of this server's {@code conf/}; fails when the edit changes nothing. */
    public void editConfiguration(String file, UnaryOperator<String> edit) {
        Path path = workDir.resolve("conf").resolve(file);
        try {
            String before = Files.readString(path, StandardCharsets.UTF_8);
            String after = edit.apply(before);
            if (after.equals(before)) {
                throw new IllegalStateException("The edit of " + path + " changed nothing: did the option move?");
            }
            Files.writeString(path, after, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path workDir() {
        return workDir;
    }

    public Path log() {
        return workDir.resolve("server.log");
    }

    public WebAdmin webAdmin() {
        return new WebAdmin(URI.create("http://127.0.0.1:" + ports.webAdmin()));
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the JVM and returns once WebAdmin's healthcheck says healthy and every protocol port accepts. */
    public synchronized void start() {
        if (isRunning()) {
            throw new IllegalStateException("already running");
        }
        Path root = TestEnvironment.repositoryRoot();
        Path jar = root.resolve("distribution/target/mailserver.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: build the distribution first (mvn install)");
        }
        starts++;
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx768m",
            "-Dworking.directory=" + workDir,
            "-Dlogback.configurationFile=" + workDir.resolve("conf/logback.xml"),
            "-cp", jar + ":" + root.resolve("distribution/target/lib") + "/*",
            MAIN_CLASS));
        try {
            Files.writeString(log(), String.format("%n===== [it] start #%d at %s: %s%n", starts, Instant.now(), command),
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().put("CASSANDRA_NODES", cassandraContactPoint);
            // conf/opensearch.properties of the working directory decides, not the developer's shell.
            builder.environment().remove("OPENSEARCH_HOSTS");
            long startedAt = System.nanoTime();
            process = builder.start();
            RUNNING.add(process);
            // For .ci/run's last-resort cleanup, should this JVM be killed before its shutdown hook runs.
            Files.writeString(workDir.resolve("server.pid"), process.pid() + "\n", StandardCharsets.UTF_8);
            awaitReady();
            System.out.printf("[it] mail server %s ready after %d s (start #%d, pid %d)%n", workDir.getFileName(),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAt), starts, process.pid());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        String lastHealth = "no answer yet";
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The mail server exited with code " + process.exitValue()
                    + " while starting.\n" + logTail(80));
            }
            lastHealth = healthcheck();
            if (lastHealth.startsWith("200") && ports.byName().values().stream()
                .allMatch(port -> TestEnvironment.accepts("127.0.0.1", port))) {
                return;
            }
            sleep(Duration.ofMillis(500));
        }
        StringBuilder closed = new StringBuilder();
        ports.byName().forEach((name, port) -> {
            if (!TestEnvironment.accepts("127.0.0.1", port)) {
                closed.append(' ').append(name).append('=').append(port);
            }
        });
        kill9();
        throw new IllegalStateException("The mail server was not ready within " + READY_TIMEOUT.toSeconds()
            + " s. Healthcheck: " + lastHealth + ". Ports not accepting:" + closed + "\n" + logTail(80));
    }

    private String healthcheck() {
        try {
            HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.webAdmin() + "/healthcheck"))
                    .timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
            return response.statusCode() + " " + response.body();
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGTERM, then waits for a clean exit; a server that does not exit in time is an error. */
    public synchronized void stop() {
        if (!isRunning()) {
            return;
        }
        long stoppingAt = System.nanoTime();
        process.destroy();
        try {
            if (process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                System.out.printf("[it] mail server %s stopped after %d s (exit code %d)%n", workDir.getFileName(),
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - stoppingAt), process.exitValue());
            } else {
                kill9();
                throw new IllegalStateException("The mail server did not exit within " + STOP_TIMEOUT.toSeconds()
                    + " s of SIGTERM; killed it.\n" + logTail(40));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            forget(process);
        }
    }

    /** SIGKILL: the JVM gets no chance to flush or close anything. */
    public synchronized void kill9() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        forget(process);
    }

    private void forget(Process stopped) {
        RUNNING.remove(stopped);
        try {
            Files.deleteIfExists(workDir.resolve("server.pid"));
        } catch (IOException e) {
            // only .ci/run's safety net reads it, and it checks the process before acting
        }
    }

    /** Graceful stop, then start again on the same working directory and ports. */
    public void restart() {
        stop();
        start();
    }

    public String logTail(int lines) {
        return "--- last " + lines + " lines of " + log() + "\n" + TestEnvironment.tail(log(), lines);
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
