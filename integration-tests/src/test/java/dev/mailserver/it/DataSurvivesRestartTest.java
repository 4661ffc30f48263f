package dev.mailserver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient.AUTH_METHOD;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.mailserver.it.harness.MailServerExtension;
import dev.mailserver.it.harness.Mailbox;
import dev.mailserver.it.harness.Smtp;
import dev.mailserver.it.harness.WebAdmin;

/**
 * Everything durable lives in Cassandra: after a clean stop (SIGTERM) and a start on the same working
 * directory, domains, users and their passwords, aliases and delivered messages are all still there.
 */
class DataSurvivesRestartTest {
    @RegisterExtension
    static final MailServerExtension server = new MailServerExtension();

    static final Duration DELIVERY = Duration.ofSeconds(30);
    static final String DOMAIN = "restart.test";
    static final String CAROL = "carol@" + DOMAIN;
    static final String CAROL_PASSWORD = "carol-Secret-3";
    static final String SUPPORT_ALIAS = "support@" + DOMAIN;
    static final String DAVE = "dave@" + DOMAIN;
    static final String DAVE_PASSWORD = "dave-Secret-4";
    static final String TO_USER_SUBJECT = "before restart, to carol " + UUID.randomUUID();
    static final String TO_ALIAS_SUBJECT = "before restart, to support " + UUID.randomUUID();

    @BeforeAll
    static void populateThenRestart() {
        WebAdmin webAdmin = server.webAdmin();
        webAdmin.createDomain(DOMAIN);
        webAdmin.createUser(CAROL, CAROL_PASSWORD);
        webAdmin.createUser(DAVE, DAVE_PASSWORD);
        webAdmin.createAlias(SUPPORT_ALIAS, CAROL);
        submitAsDave(CAROL, TO_USER_SUBJECT);
        submitAsDave(SUPPORT_ALIAS, TO_ALIAS_SUBJECT);
        // Delivered before the restart, so what is checked afterwards is storage, not the queue.
        Mailbox inbox = carolsInbox();
        inbox.awaitMessage(TO_USER_SUBJECT, DELIVERY);
        inbox.awaitMessage(TO_ALIAS_SUBJECT, DELIVERY);

        server.server().restart();
    }

    @Test
    void domainIsStillListedAfterRestart() {
        assertThat(server.webAdmin().domains()).contains(DOMAIN);
    }

    @Test
    void usersAreStillListedAfterRestart() {
        assertThat(server.webAdmin().users()).contains(CAROL, DAVE);
    }

    @Test
    void aliasIsStillListedAfterRestart() {
        assertThat(server.webAdmin().aliasesOf(CAROL)).containsExactly(SUPPORT_ALIAS);
    }

    @Test
    void userStillAuthenticatesWithHerPasswordAfterRestart() {
        AuthenticatingSMTPClient client = Smtp.submission(server.ports().submission(), AUTH_METHOD.PLAIN, CAROL, CAROL_PASSWORD);
        Smtp.quit(client);
    }

    @Test
    void messagesDeliveredBeforeRestartAreStillInTheMailbox() throws Exception {
        assertThat(carolsInbox().messages())
            .extracting(Mailbox.ReceivedMessage::subject)
            .contains(TO_USER_SUBJECT, TO_ALIAS_SUBJECT);
    }

    @Test
    void aliasStillDeliversToItsUserAfterRestart() {
        String subject = "after restart, to support " + UUID.randomUUID();
        submitAsDave(SUPPORT_ALIAS, subject);

        assertThat(carolsInbox().awaitMessage(subject, DELIVERY).to()).containsExactly(SUPPORT_ALIAS);
    }

    private static Mailbox carolsInbox() {
        return Mailbox.imaps(server.ports().imaps(), CAROL, CAROL_PASSWORD);
    }

    private static void submitAsDave(String recipient, String subject) {
        AuthenticatingSMTPClient client = Smtp.submission(server.ports().submission(), AUTH_METHOD.PLAIN, DAVE, DAVE_PASSWORD);
        try {
            Smtp.send(client, DAVE, recipient, subject, "Body of " + subject);
        } finally {
            Smtp.quit(client);
        }
    }
}
