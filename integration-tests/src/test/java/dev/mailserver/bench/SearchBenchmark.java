package dev.mailserver.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mailserver.it.harness.ImapClient;
import dev.mailserver.it.harness.MailServerExtension;
import dev.mailserver.it.harness.WebAdmin;

/**
 * IMAP SEARCH on a big mailbox. Fills one INBOX with {@code bench.messages} generated messages (varied
 * senders, subjects and bodies from a Zipf-like vocabulary, some HTML, some with attachments, dates over
 * three years) by IMAP APPEND over {@code bench.connections} connections, and reports:
 * <ul>
 * <li>the append rate and the live indexing rate (messages in the OpenSearch index per second of the
 *     fill, counted until the index holds them all);</li>
 * <li>the rate of a full reindex started through WebAdmin (indexing alone, nothing else running);</li>
 * <li>p50/p95 of {@code UID SEARCH TEXT word} and {@code UID SEARCH SUBJECT word} over IMAP, for
 *     {@code bench.searches} random words each, the mailbox selected, one client at a time.</li>
 * </ul>
 * Not run by CI (its name does not end in Test); see bench/README.md.
 */
class SearchBenchmark {
    static final int MESSAGES = Integer.getInteger("bench.messages", 100_000);
    static final int CONNECTIONS = Integer.getInteger("bench.connections", 4);
    static final int SEARCHES = Integer.getInteger("bench.searches", 200);
    /** A fresh user per run: keyspace and index (named after the class) outlive a run on external nodes. */
    static final String USER = "bench-" + UUID.randomUUID().toString().substring(0, 8) + "@bench.test";
    static final String PASSWORD = "bench-Secret-1";

    @RegisterExtension
    static final MailServerExtension server = new MailServerExtension();

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void searchLatencyAndIndexingRate() throws Exception {
        WebAdmin webAdmin = server.webAdmin();
        if (!webAdmin.domains().contains("bench.test")) {
            webAdmin.createDomain("bench.test");
        }
        webAdmin.createUser(USER, PASSWORD);
        long indexedBefore = indexedMessages();

        System.out.printf("--- search: appending %d messages over %d IMAP connections%n", MESSAGES, CONNECTIONS);
        long fillStart = System.nanoTime();
        fill();
        double appendSeconds = seconds(fillStart);
        long indexed;
        while ((indexed = indexedMessages() - indexedBefore) < MESSAGES) {
            Thread.sleep(200);
            if (seconds(fillStart) > appendSeconds + 600) {
                throw new AssertionError("only " + indexed + " of " + MESSAGES + " indexed 10 minutes after the last APPEND");
            }
        }
        double indexSeconds = seconds(fillStart);
        print("search_messages", MESSAGES, "messages");
        print("search_append_rate", MESSAGES / appendSeconds, "msg/s");
        print("search_indexing_rate", MESSAGES / indexSeconds, "msg/s");

        reindexAll(webAdmin);

        try (ImapClient imap = ImapClient.login(server.ports().imap(), USER, PASSWORD).withTimeout(Duration.ofMinutes(15))) {
            long selectStart = System.nanoTime();
            assertThat(imap.select("INBOX")).isEqualTo(MESSAGES);
            // Not search: James reads every UID and flag of the mailbox from Cassandra; for scale.
            print("search_select_seconds", seconds(selectStart), "s");
            Random random = new Random(42);
            measure(imap, "text", "TEXT", random);
            measure(imap, "subject", "SUBJECT", random);
        }
    }

    private void fill() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
            workers.add(pool.submit(() -> {
                try (ImapClient imap = ImapClient.login(server.ports().imap(), USER, PASSWORD)) {
                    int i;
                    while ((i = next.getAndIncrement()) < MESSAGES) {
                        MessageGenerator.Generated message = MessageGenerator.message(i);
                        imap.append("INBOX", message.flags(), message.internalDate(), message.text());
                        if (i > 0 && i % 10_000 == 0) {
                            System.out.printf("--- search: %d appended%n", i);
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        pool.shutdown();
    }

    /** A full reindex at an unthrottled pace: how fast the index alone absorbs messages. */
    private void reindexAll(WebAdmin webAdmin) throws IOException {
        long start = System.nanoTime();
        WebAdmin.Response started = webAdmin.post("/mailboxes?task=reIndex&messagesPerSecond=100000");
        assertThat(started.status()).as("reindex answered %s", started).isEqualTo(201);
        String taskId = started.json().path("taskId").asText();
        String status;
        WebAdmin.Response task;
        do {
            sleep(1000);
            task = webAdmin.get("/tasks/" + taskId);
            status = task.json().path("status").asText();
        } while (status.equals("waiting") || status.equals("inProgress"));
        assertThat(status).as("reindex task %s", task).isEqualTo("completed");
        int reindexed = task.json().path("additionalInformation").path("successfullyReprocessedMailCount").asInt();
        print("search_reindex_rate", reindexed / seconds(start), "msg/s");
        // Searches below must see the rebuilt index, not the emptied one: wait for every document.
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (indexedMessages() < reindexed && System.nanoTime() < deadline) {
            sleep(500);
        }
    }

    private void measure(ImapClient imap, String name, String key, Random random) {
        List<Double> millis = new ArrayList<>();
        long hits = 0;
        for (int i = 0; i < SEARCHES + 10; i++) {
            String word = MessageGenerator.searchWord(random);
            long start = System.nanoTime();
            List<Long> uids = imap.uidSearch(key + " " + word);
            double elapsed = (System.nanoTime() - start) / 1e6;
            if (i >= 10) {
                millis.add(elapsed);
                hits += uids.size();
            }
        }
        Collections.sort(millis);
        print("search_" + name + "_p50", millis.get(millis.size() / 2), "ms");
        print("search_" + name + "_p95", millis.get((int) Math.ceil(millis.size() * 0.95) - 1), "ms");
        print("search_" + name + "_mean_hits", (double) hits / SEARCHES, "messages");
    }

    /** Documents in the class's index, straight from OpenSearch's _count. */
    private long indexedMessages() {
        try {
            String hostAndPort = server.openSearch().hostAndPort();
            String index = server.indexName();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://" + hostAndPort + "/" + index + "/_count")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return 0;
            }
            return json.readTree(response.body()).path("count").asLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static void print(String name, double value, String unit) {
        System.out.printf(Locale.ROOT, "%s: %.2f %s%n", name, value, unit);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
