package dev.mailserver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient.AUTH_METHOD;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.mailserver.it.harness.MailServerExtension;
import dev.mailserver.it.harness.Smtp;
import dev.mailserver.it.harness.WebAdmin;

/**
 * What the SMTP servers refuse, and with which reply: every refusal carries the reply code and the
 * enhanced status code (RFC 3463) a client or an admin acts on.
 */
class SmtpRefusalsTest {
    static final int MAX_MESSAGE_SIZE_KB = 64;

    @RegisterExtension
    static final MailServerExtension server = new MailServerExtension().withMaxMessageSizeKb(MAX_MESSAGE_SIZE_KB);

    static final String DOMAIN = "refusals.test";
    static final String GRACE = "grace@" + DOMAIN;
    static final String GRACE_PASSWORD = "grace-Secret-7";
    static final String UNKNOWN_LOCAL = "nobody@" + DOMAIN;
    static final String EXTERNAL = "someone@external-domain.example";
    static final String INTERNET_SENDER = "sender@elsewhere.example";

    private AuthenticatingSMTPClient client;

    @BeforeAll
    static void createUser() {
        WebAdmin webAdmin = server.webAdmin();
        webAdmin.createDomain(DOMAIN);
        webAdmin.createUser(GRACE, GRACE_PASSWORD);
    }

    @AfterEach
    void closeConnection() {
        if (client != null) {
            Smtp.quit(client);
        }
    }

    @ParameterizedTest
    @EnumSource(value = AUTH_METHOD.class, names = {"PLAIN", "LOGIN"})
    void wrongPasswordIsRefusedWith535_5_7_8(AUTH_METHOD method) {
        client = Smtp.connect(server.ports().submission());
        Smtp.startTls(client);

        assertThat(Smtp.authenticate(client, method, GRACE, "not-" + GRACE_PASSWORD)).isFalse();
        assertThat(Smtp.reply(client)).startsWith("535 5.7.8");
    }

    @Test
    void submissionPortDoesNotAdvertiseAuthBeforeStartTls() {
        client = Smtp.connect(server.ports().submission());

        assertThat(Smtp.ehloKeywords(client)).contains("STARTTLS").noneMatch(keyword -> keyword.startsWith("AUTH"));
    }

    @Test
    void authWithTheRightPasswordBeforeStartTlsIsRefusedOnTheSubmissionPort() {
        client = Smtp.connect(server.ports().submission());

        int code = Smtp.command(client, "AUTH PLAIN " + java.util.Base64.getEncoder()
            .encodeToString(("\0" + GRACE + "\0" + GRACE_PASSWORD).getBytes(java.nio.charset.StandardCharsets.UTF_8)));

        assertThat(Smtp.isPermanentFailure(code)).as("AUTH before STARTTLS answered %s", Smtp.reply(client)).isTrue();
    }

    @Test
    void submissionPortRefusesMailFromAClientThatDidNotAuthenticate() {
        client = Smtp.connect(server.ports().submission());
        Smtp.startTls(client);

        int mailFrom = Smtp.command(client, "MAIL FROM:<" + GRACE + ">");
        int rcptTo = mailFrom == 250 ? Smtp.command(client, "RCPT TO:<" + GRACE + ">") : mailFrom;

        assertThat(Smtp.isPermanentFailure(rcptTo))
            .as("unauthenticated MAIL FROM/RCPT TO on 587 answered %s", Smtp.reply(client)).isTrue();
    }

    @Test
    void mxPortAcceptsMailForALocalUserWithoutAuthentication() {
        client = Smtp.connect(server.ports().smtp());

        Smtp.send(client, INTERNET_SENDER, GRACE, "inbound " + UUID.randomUUID(), "Hello Grace");
    }

    @Test
    void mxPortRefusesToRelayForAnUnauthenticatedClientWith550_5_7_1() {
        client = Smtp.connect(server.ports().smtp());
        assertThat(Smtp.command(client, "MAIL FROM:<" + INTERNET_SENDER + ">")).isEqualTo(250);

        Smtp.command(client, "RCPT TO:<" + EXTERNAL + ">");

        assertThat(Smtp.reply(client)).startsWith("550 5.7.1");
    }

    @Test
    void unknownLocalRecipientOnTheMxPortIsRefusedWith550_5_1_1() {
        client = Smtp.connect(server.ports().smtp());
        assertThat(Smtp.command(client, "MAIL FROM:<" + INTERNET_SENDER + ">")).isEqualTo(250);

        Smtp.command(client, "RCPT TO:<" + UNKNOWN_LOCAL + ">");

        assertThat(Smtp.reply(client)).startsWith("550 5.1.1");
    }

    @Test
    void unknownLocalRecipientOnTheSubmissionPortIsRefusedWith550_5_1_1() {
        client = Smtp.submission(server.ports().submission(), AUTH_METHOD.PLAIN, GRACE, GRACE_PASSWORD);
        assertThat(Smtp.command(client, "MAIL FROM:<" + GRACE + ">")).isEqualTo(250);

        Smtp.command(client, "RCPT TO:<" + UNKNOWN_LOCAL + ">");

        assertThat(Smtp.reply(client)).startsWith("550 5.1.1");
    }

    @Test
    void messageJustUnderTheSizeLimitIsAccepted() {
        client = Smtp.connect(server.ports().smtp());
        assertThat(Smtp.command(client, "MAIL FROM:<" + INTERNET_SENDER + ">")).isEqualTo(250);
        assertThat(Smtp.command(client, "RCPT TO:<" + GRACE + ">")).isEqualTo(250);

        int code = Smtp.data(client, messageOfKilobytes(MAX_MESSAGE_SIZE_KB - 8));

        assertThat(code).as("end of DATA answered %s", Smtp.reply(client)).isEqualTo(250);
    }

    @Test
    void messageOverTheSizeLimitIsRefusedWith552AtTheEndOfData() {
        client = Smtp.connect(server.ports().smtp());
        assertThat(Smtp.command(client, "MAIL FROM:<" + INTERNET_SENDER + ">")).isEqualTo(250);
        assertThat(Smtp.command(client, "RCPT TO:<" + GRACE + ">")).isEqualTo(250);

        int code = Smtp.data(client, messageOfKilobytes(MAX_MESSAGE_SIZE_KB * 2));

        assertThat(code).as("end of DATA answered %s", Smtp.reply(client)).isEqualTo(552);
    }

    @Test
    void declaredSizeOverTheLimitIsRefusedWith552AtMailFrom() {
        client = Smtp.connect(server.ports().smtp());
        assertThat(Smtp.ehloKeywords(client)).contains("SIZE " + MAX_MESSAGE_SIZE_KB * 1024);

        int code = Smtp.command(client, "MAIL FROM:<" + INTERNET_SENDER + "> SIZE=" + MAX_MESSAGE_SIZE_KB * 2 * 1024);

        assertThat(code).as("MAIL FROM with SIZE answered %s", Smtp.reply(client)).isEqualTo(552);
    }

    /** A text message of about the given size, in 76-character lines as mail clients write them. */
    private static String messageOfKilobytes(int kilobytes) {
        String line = "x".repeat(76) + "\n";
        StringBuilder body = new StringBuilder();
        while (body.length() < kilobytes * 1024) {
            body.append(line);
        }
        return Smtp.message(INTERNET_SENDER, GRACE, "size test " + UUID.randomUUID(), body.toString());
    }
}
