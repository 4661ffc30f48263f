package dev.mailserver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient.AUTH_METHOD;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.mailserver.it.harness.MailServerExtension;
import dev.mailserver.it.harness.Mailbox;
import dev.mailserver.it.harness.Smtp;
import dev.mailserver.it.harness.WebAdmin;

/**
 * A 250 after DATA is a promise: the message is on stable storage. The server is killed with SIGKILL
 * right after the last 250 (no QUIT, no shutdown hook runs), started again on the same working
 * directory, and every accepted message must still reach the mailbox.
 */
class AcceptedMailSurvivesCrashTest {
    @RegisterExtension
    static final MailServerExtension server = new MailServerExtension();

    /** After the restart the queue is replayed; delivery may take a little longer than usual. */
    static final Duration DELIVERY_AFTER_RESTART = Duration.ofSeconds(90);
    static final int MESSAGES = 5;
    static final String DOMAIN = "crash.test";
    static final String ERIN = "erin@" + DOMAIN;
    static final String ERIN_PASSWORD = "erin-Secret-5";
    static final String FRANK = "frank@" + DOMAIN;
    static final String FRANK_PASSWORD = "frank-Secret-6";

    @BeforeAll
    static void createUsers() {
        WebAdmin webAdmin = server.webAdmin();
        webAdmin.createDomain(DOMAIN);
        webAdmin.createUser(ERIN, ERIN_PASSWORD);
        webAdmin.createUser(FRANK, FRANK_PASSWORD);
    }

    /** A test that failed between the kill and the start must not take the next one down with it. */
    @BeforeEach
    void serverIsRunning() {
        if (!server.server().isRunning()) {
            server.server().start();
        }
    }

    @Test
    void messagesSubmittedOnPort587SurviveKill9RightAfterThe250() {
        AuthenticatingSMTPClient client = Smtp.submission(server.ports().submission(), AUTH_METHOD.PLAIN, FRANK, FRANK_PASSWORD);
        List<String> subjects = sendThenKill9(client, FRANK);

        server.server().start();

        assertAllDelivered(subjects);
    }

    @Test
    void messagesReceivedOnTheMxPortSurviveKill9RightAfterThe250() {
        AuthenticatingSMTPClient client = Smtp.connect(server.ports().smtp());
        List<String> subjects = sendThenKill9(client, "sender@elsewhere.test");

        server.server().start();

        assertAllDelivered(subjects);
    }

    private static List<String> sendThenKill9(AuthenticatingSMTPClient client, String sender) {
        List<String> subjects = new ArrayList<>();
        try {
            for (int i = 1; i <= MESSAGES; i++) {
                String subject = "accepted before kill -9, " + i + " of " + MESSAGES + " " + UUID.randomUUID();
                Smtp.send(client, sender, ERIN, subject, "Body of " + subject);
                subjects.add(subject);
            }
            server.server().kill9();
        } finally {
            Smtp.quit(client);
        }
        return subjects;
    }

    private static void assertAllDelivered(List<String> subjects) {
        Mailbox inbox = Mailbox.imaps(server.ports().imaps(), ERIN, ERIN_PASSWORD);
        for (String subject : subjects) {
            assertThat(inbox.awaitMessage(subject, DELIVERY_AFTER_RESTART).subject()).isEqualTo(subject);
        }
    }
}
