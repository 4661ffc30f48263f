package dev.mailserver.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient.AUTH_METHOD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.mailserver.it.harness.MailServer;
import dev.mailserver.it.harness.MailServerExtension;
import dev.mailserver.it.harness.Smtp;

/**
 * What rate limiting adds to each submitted message: the same sustained submission load (a fixed rate of
 * messages over persistent authenticated sessions) against two servers on the same Cassandra, one with
 * conf/ratelimit.properties as shipped except every value multiplied by 1000 (the same windows are
 * counted, nothing is refused), one with the RateLimitHook and the RateLimit mailet removed. The latency
 * of a message is MAIL FROM to the 250 after DATA, where the hook's RCPT checks and end-of-DATA
 * compare-and-sets happen. Not run by CI (its name does not end in Test); see bench/README.md.
 *
 * <p>System properties: {@code bench.rate} messages per second (default 20), {@code bench.seconds}
 * measured seconds per server (default 30), {@code bench.sessions} parallel SMTP sessions (default 4).
 */
class RateLimitBenchmark {
    static final int RATE = Integer.getInteger("bench.rate", 20);
    static final int SECONDS = Integer.getInteger("bench.seconds", 30);
    static final int SESSIONS = Integer.getInteger("bench.sessions", 4);
    static final int WARM_UP_SECONDS = 5;
    /** A fresh domain per run: the keyspace (named after the class) outlives a run on an external Cassandra. */
    static final String DOMAIN = "bench-" + UUID.randomUUID().toString().substring(0, 8) + ".test";
    static final String PASSWORD = "bench-Secret-1";

    @RegisterExtension
    static final MailServerExtension rateLimited = new MailServerExtension()
        .withConfiguration(RateLimitBenchmark::multiplyLimitsByAThousand);

    @Test
    void addedLatencyOfRateLimiting() throws Exception {
        MailServer unlimited = rateLimited.startAnotherNode(RateLimitBenchmark::removeRateLimiting);
        rateLimited.webAdmin().createDomain(DOMAIN);
        List<String> users = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            String user = "sender" + i + "@" + DOMAIN;
            rateLimited.webAdmin().createUser(user, PASSWORD);
            users.add(user);
        }

        List<Long> off = measure(unlimited.ports().submission(), users);
        List<Long> on = measure(rateLimited.ports().submission(), users);

        double offP50 = percentile(off, 50);
        double offP99 = percentile(off, 99);
        double onP50 = percentile(on, 50);
        double onP99 = percentile(on, 99);
        System.out.printf(Locale.ROOT, "%n--- rate limit benchmark: %d msg/s over %d sessions, %d s per server%n", RATE, SESSIONS, SECONDS);
        print("ratelimit_off_messages", off.size(), "messages");
        print("ratelimit_off_p50", offP50, "ms");
        print("ratelimit_off_p99", offP99, "ms");
        print("ratelimit_on_messages", on.size(), "messages");
        print("ratelimit_on_p50", onP50, "ms");
        print("ratelimit_on_p99", onP99, "ms");
        print("ratelimit_added_p50", onP50 - offP50, "ms");
        print("ratelimit_added_p99", onP99 - offP99, "ms");
        print("ratelimit_on_off_ratio_p50", onP50 / offP50, "x");
        print("ratelimit_on_off_ratio_p99", onP99 / offP99, "x");
    }

    /** Sends at a fixed total rate for warm-up plus SECONDS; returns the measured latencies in microseconds. */
    private static List<Long> measure(int port, List<String> users) throws Exception {
        ExecutorService sessions = Executors.newFixedThreadPool(users.size());
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) * users.size() / RATE;
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(WARM_UP_SECONDS);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(SECONDS);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < users.size(); i++) {
            String user = users.get(i);
            String recipient = users.get((i + 1) % users.size());
            long offset = intervalNanos * i / users.size();
            running.add(sessions.submit(() -> {
                AuthenticatingSMTPClient client = Smtp.submission(port, AUTH_METHOD.PLAIN, user, PASSWORD);
                try {
                    for (long next = start + offset; next < end; next += intervalNanos) {
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        long sent = System.nanoTime();
                        Smtp.send(client, user, recipient, "bench " + UUID.randomUUID(), "benchmark message");
                        if (sent >= measureFrom) {
                            latencies.add(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - sent));
                        }
                    }
                } finally {
                    Smtp.quit(client);
                }
                return null;
            }));
        }
        for (Future<?> session : running) {
            session.get();
        }
        sessions.shutdown();
        return new ArrayList<>(latencies);
    }

    private static double percentile(List<Long> micros, int percentile) {
        assertThat(micros).isNotEmpty();
        List<Long> sorted = new ArrayList<>(micros);
        Collections.sort(sorted);
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, index)) / 1000.0;
    }

    private static void print(String name, double value, String unit) {
        System.out.printf(Locale.ROOT, "%s: %.2f %s%n", name, value, unit);
    }

    private static void multiplyLimitsByAThousand(Path conf) {
        edit(conf.resolve("ratelimit.properties"), text -> {
            Matcher matcher = Pattern.compile("(?m)^([a-z]+\\.per[A-Za-z]+\\.[a-z]+)=(\\d+)([KMG]?)\\s*$").matcher(text);
            StringBuilder out = new StringBuilder();
            while (matcher.find()) {
                matcher.appendReplacement(out, matcher.group(1) + "=" + Long.parseLong(matcher.group(2)) * 1000 + matcher.group(3));
            }
            matcher.appendTail(out);
            return out.toString();
        });
    }

    private static void removeRateLimiting(Path conf) {
        edit(conf.resolve("smtpserver.xml"), text -> text.replaceAll(
            "(?s)<handler class=\"dev\\.mailserver\\.ratelimit\\.RateLimitHook\">.*?</handler>", ""));
        edit(conf.resolve("mailetcontainer.xml"), text -> text.replaceAll(
            "(?s)<mailet match=\"All\" class=\"dev\\.mailserver\\.ratelimit\\.RateLimit\">.*?</mailet>", ""));
    }

    private static void edit(Path file, java.util.function.UnaryOperator<String> change) {
        try {
            String before = Files.readString(file, StandardCharsets.UTF_8);
            String after = change.apply(before);
            if (after.equals(before)) {
                throw new IllegalStateException(file + " did not change: the benchmark no longer matches conf/");
            }
            Files.writeString(file, after, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
