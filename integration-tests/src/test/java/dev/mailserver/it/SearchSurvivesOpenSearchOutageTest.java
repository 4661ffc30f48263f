package dev.mailserver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.mailserver.it.harness.EmbeddedOpenSearch;
import dev.mailserver.it.harness.ImapClient;
import dev.mailserver.it.harness.MailServerExtension;
import dev.mailserver.it.harness.Smtp;
import dev.mailserver.it.harness.WebAdmin;

/**
 * OpenSearch goes away while mail arrives: mail is still accepted and readable, SEARCH says NO, and
 * once OpenSearch is back (with or without a restart of the mail server in between) every message that
 * arrived meanwhile is found.
 */
class SearchSurvivesOpenSearchOutageTest {
    @RegisterExtension
    static final MailServerExtension server = new MailServerExtension();

    static final Duration WAIT = Duration.ofSeconds(90);
    static final String DOMAIN = "outage.test";
    static final String ALICE = "alice@" + DOMAIN;
    static final String PASSWORD = "alice-Secret-1";
    static final String INDEX_GROUP = "dev.mailserver.search.OpenSearchMessageSearchIndex%24IndexingGroup";

    @BeforeAll
    static void createUser() {
        server.webAdmin().createDomain(DOMAIN);
        server.webAdmin().createUser(ALICE, PASSWORD);
    }

    @BeforeEach
    void openSearchCanBeTakenAway() {
        assumeTrue(server.openSearch().canBeStopped(), "OpenSearch given by it.opensearch is not ours to stop");
    }

    @Test
    void mailThatArrivedWhileOpenSearchWasDownIsFoundOnceItIsBack() {
        EmbeddedOpenSearch openSearch = server.openSearch();
        int before = messagesInInbox();
        openSearch.stop();
        try {
            deliver("wombat", 3);
            await(this::messagesInInbox, count -> count == before + 3, "3 more messages in INBOX");
            try (ImapClient imap = inbox()) {
                assertThatThrownBy(() -> imap.uidSearch("TEXT wombat")).isInstanceOf(ImapClient.ImapFailure.class);
            }
            assertThat(server.webAdmin().get("/healthcheck").body()).contains("\"status\":\"degraded\"");
        } finally {
            openSearch.start();
        }

        assertThat(awaitSearchCount("TEXT wombat", 3)).hasSize(3);
    }

    @Test
    void mailThatArrivedWhileOpenSearchWasDownIsFoundAfterTheServerRestarts() {
        EmbeddedOpenSearch openSearch = server.openSearch();
        int before = messagesInInbox();
        openSearch.stop();
        try {
            deliver("quokka", 2);
            await(this::messagesInInbox, count -> count == before + 2, "2 more messages in INBOX");
            // Kept in Cassandra, not in the server's memory: a restart does not lose them.
            await(this::waitingIndexEvents, count -> count >= 2, "index events in the dead letters");
            server.server().stop();
        } finally {
            openSearch.start();
        }
        server.server().start();

        assertThat(awaitSearchCount("TEXT quokka", 2)).hasSize(2);
        await(this::waitingIndexEvents, count -> count == 0, "dead letters emptied by the redelivery");
    }

    private void deliver(String token, int count) {
        AuthenticatingSMTPClient smtp = Smtp.connect(server.ports().smtp());
        try {
            for (int i = 1; i <= count; i++) {
                Smtp.send(smtp, "zoe@elsewhere.example", ALICE, token + " " + i, "A " + token + " crossed the road.");
            }
        } finally {
            Smtp.quit(smtp);
        }
    }

    private ImapClient inbox() {
        ImapClient imap = ImapClient.login(server.ports().imap(), ALICE, PASSWORD);
        imap.select("INBOX");
        return imap;
    }

    private int messagesInInbox() {
        try (ImapClient imap = ImapClient.login(server.ports().imap(), ALICE, PASSWORD)) {
            return imap.select("INBOX");
        }
    }

    private int waitingIndexEvents() {
        WebAdmin.Response response = server.webAdmin().get("/events/deadLetter/groups/" + INDEX_GROUP);
        return response.status() == 200 ? response.json().size() : 0;
    }

    private List<Long> awaitSearchCount(String criteria, int expected) {
        return await(() -> {
            try (ImapClient imap = inbox()) {
                return imap.uidSearch(criteria);
            }
        }, uids -> uids.size() == expected, "UID SEARCH " + criteria);
    }

    private <T> T await(Supplier<T> probe, Predicate<T> done, String what) {
        Instant deadline = Instant.now().plus(WAIT);
        Object last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                T value = probe.get();
                last = value;
                if (done.test(value)) {
                    return value;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError(what + ": not reached within " + WAIT.toSeconds() + " s; last: " + last
            + "\n" + server.server().logTail(60));
    }
}
