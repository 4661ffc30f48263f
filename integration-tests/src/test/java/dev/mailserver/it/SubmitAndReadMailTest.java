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
 * The newcomer's walkthrough: an admin creates a domain, users and an alias through WebAdmin; a user
 * submits mail on 587 (STARTTLS, then AUTH PLAIN or LOGIN) or 465; the recipient reads it over IMAP
 * (143 with STARTTLS, 993) and POP3 (110 with STLS, 995).
 */
class SubmitAndReadMailTest {
    @RegisterExtension
    static final MailServerExtension server = new MailServerExtension();

    static final Duration DELIVERY = Duration.ofSeconds(30);
    static final String DOMAIN = "acme.test";
    static final String ALICE = "alice@" + DOMAIN;
    static final String ALICE_PASSWORD = "alice-Secret-1";
    static final String SALES_ALIAS = "sales@" + DOMAIN;
    static final String BOB = "bob@" + DOMAIN;
    static final String BOB_PASSWORD = "bob-Secret-2";

    @BeforeAll
    static void createDomainUsersAndAlias() {
        WebAdmin webAdmin = server.webAdmin();
        webAdmin.createDomain(DOMAIN);
        webAdmin.createUser(ALICE, ALICE_PASSWORD);
        webAdmin.createUser(BOB, BOB_PASSWORD);
        webAdmin.createAlias(SALES_ALIAS, ALICE);
    }

    @Test
    void domainCreatedThroughWebAdminIsListed() {
        assertThat(server.webAdmin().domains()).contains(DOMAIN);
    }

    @Test
    void usersCreatedThroughWebAdminAreListed() {
        assertThat(server.webAdmin().users()).contains(ALICE, BOB);
    }

    @Test
    void aliasCreatedThroughWebAdminIsListedForItsUser() {
        assertThat(server.webAdmin().aliasesOf(ALICE)).containsExactly(SALES_ALIAS);
    }

    @Test
    void messageToTheUserSubmittedWithAuthPlainIsReadOverImapWithStartTls() {
        String subject = submit(AUTH_METHOD.PLAIN, ALICE);

        Mailbox.ReceivedMessage message = Mailbox.imapWithStartTls(server.ports().imap(), ALICE, ALICE_PASSWORD)
            .awaitMessage(subject, DELIVERY);

        assertThat(message.from()).containsExactly(BOB);
        assertThat(message.to()).containsExactly(ALICE);
        assertThat(message.body()).isEqualTo(bodyOf(subject));
    }

    @Test
    void messageToTheAliasSubmittedWithAuthLoginIsReadByTheUserOverImaps() {
        String subject = submit(AUTH_METHOD.LOGIN, SALES_ALIAS);

        Mailbox.ReceivedMessage message = Mailbox.imaps(server.ports().imaps(), ALICE, ALICE_PASSWORD)
            .awaitMessage(subject, DELIVERY);

        assertThat(message.to()).containsExactly(SALES_ALIAS);
        assertThat(message.body()).isEqualTo(bodyOf(subject));
    }

    @Test
    void messageToTheUserSubmittedWithAuthLoginIsReadOverPop3WithStls() {
        String subject = submit(AUTH_METHOD.LOGIN, ALICE);

        Mailbox.ReceivedMessage message = Mailbox.pop3WithStartTls(server.ports().pop3(), ALICE, ALICE_PASSWORD)
            .awaitMessage(subject, DELIVERY);

        assertThat(message.to()).containsExactly(ALICE);
        assertThat(message.body()).isEqualTo(bodyOf(subject));
    }

    @Test
    void messageToTheAliasSubmittedWithAuthPlainIsReadByTheUserOverPop3s() {
        String subject = submit(AUTH_METHOD.PLAIN, SALES_ALIAS);

        Mailbox.ReceivedMessage message = Mailbox.pop3s(server.ports().pop3s(), ALICE, ALICE_PASSWORD)
            .awaitMessage(subject, DELIVERY);

        assertThat(message.to()).containsExactly(SALES_ALIAS);
        assertThat(message.body()).isEqualTo(bodyOf(subject));
    }

    @Test
    void messageSubmittedOverImplicitTlsOnPort465IsReadOverImaps() {
        String subject = "over 465 " + UUID.randomUUID();
        AuthenticatingSMTPClient client = Smtp.connectImplicitTls(server.ports().smtps());
        try {
            assertThat(Smtp.authenticate(client, AUTH_METHOD.PLAIN, BOB, BOB_PASSWORD))
                .as("AUTH PLAIN on 465 answered %s", Smtp.reply(client)).isTrue();
            Smtp.send(client, BOB, ALICE, subject, bodyOf(subject));
        } finally {
            Smtp.quit(client);
        }

        assertThat(Mailbox.imaps(server.ports().imaps(), ALICE, ALICE_PASSWORD).awaitMessage(subject, DELIVERY).body())
            .isEqualTo(bodyOf(subject));
    }

    /** Bob submits a fresh message on 587 with STARTTLS and the given AUTH mechanism; returns its subject. */
    private static String submit(AUTH_METHOD method, String recipient) {
        String subject = "AUTH " + method + " to " + recipient + " " + UUID.randomUUID();
        AuthenticatingSMTPClient client = Smtp.submission(server.ports().submission(), method, BOB, BOB_PASSWORD);
        try {
            Smtp.send(client, BOB, recipient, subject, bodyOf(subject));
        } finally {
            Smtp.quit(client);
        }
        return subject;
    }

    private static String bodyOf(String subject) {
        return "Hello Alice,\nthis is the body of '" + subject + "'.\nBob";
    }
}
