package dev.mailserver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Supplier;

import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient.AUTH_METHOD;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.mailserver.it.harness.MailServerExtension;
import dev.mailserver.it.harness.Mailbox;
import dev.mailserver.it.harness.Smtp;
import dev.mailserver.it.harness.SmtpSink;
import dev.mailserver.it.harness.WebAdmin;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

/**
 * Issue 6: what the sender learns when remote delivery fails, how temporary failures are retried, and how
 * bounces feed the suppression list. Remote delivery goes through a smarthost, a {@link SmtpSink} on loopback
 * that refuses the recipients each test tells it to; the retry schedule is shortened to seconds. James's queue
 * checks delayed mail about every 10 s, so retries come 3 to 13 s apart here.
 */
class BounceHandlingTest {
    static final SmtpSink sink = new SmtpSink();

    static final String DOMAIN = "bounce-it.test";
    static final String VERP_DOMAIN = "verp.bounce-it.test";
    static final String REMOTE = "remote.test";
    static final String ALICE = "alice@" + DOMAIN;
    static final String PASSWORD = "alice-Secret-6";
    static final Duration DELIVERY = Duration.ofSeconds(60);

    @RegisterExtension
    static final MailServerExtension server = new MailServerExtension()
        .withConfigurationEdit("mailetcontainer.xml", xml -> xml
            .replaceFirst("<delayTime>[^<]*</delayTime>", "<delayTime>3 seconds, 3 seconds, 3 seconds</delayTime>")
            .replaceFirst("<delayWarningTime>[^<]*</delayWarningTime>", "<delayWarningTime>2 seconds</delayWarningTime>")
            .replaceFirst("<startTLS>true</startTLS>",
                "<startTLS>false</startTLS><gateway>127.0.0.1</gateway><gatewayPort>" + sink.port() + "</gatewayPort>"))
        .withConfigurationEdit("bounces.properties", properties -> properties
            .replace("verp.enabled=false", "verp.enabled=true\nverp.domain=" + VERP_DOMAIN));

    @BeforeAll
    static void createSender() {
        server.webAdmin().createDomain(DOMAIN);
        server.webAdmin().createUser(ALICE, PASSWORD);
    }

    @AfterAll
    static void stopSink() {
        sink.close();
    }

    @Test
    void permanentlyRefusedRecipientGivesAStandardDsn() throws Exception {
        String recipient = unique("unknown");
        sink.answer(recipient, "550 5.1.1 <" + recipient + ">: Recipient address rejected: User unknown");
        String subject = "to an unknown user " + UUID.randomUUID();

        submit("", subject, recipient);

        Report report = awaitReport(recipient, "failed");
        assertThat(new ContentType(report.message().getContentType()).getBaseType()).isEqualTo("multipart/report");
        assertThat(new ContentType(report.message().getContentType()).getParameter("report-type")).isEqualTo("delivery-status");
        assertThat(report.message().getHeader("Auto-Submitted", null)).isEqualTo("auto-replied");
        assertThat(report.parts()).hasSize(3);
        assertThat(report.parts().get(0).isMimeType("text/plain")).isTrue();
        assertThat(report.parts().get(1).isMimeType("message/delivery-status")).isTrue();
        assertThat(report.perMessage().getHeader("Reporting-MTA", null)).startsWith("dns;");
        assertThat(report.perMessage().getHeader("Arrival-Date", null)).isNotBlank();
        InternetHeaders fields = report.only(recipient);
        assertThat(fields.getHeader("Final-Recipient", null)).isEqualTo("rfc822; " + recipient);
        assertThat(fields.getHeader("Action", null)).isEqualTo("failed");
        assertThat(fields.getHeader("Status", null)).isEqualTo("5.1.1");
        assertThat(fields.getHeader("Remote-MTA", null)).isEqualTo("dns; 127.0.0.1");
        assertThat(fields.getHeader("Diagnostic-Code", null)).startsWith("smtp; 550 5.1.1 <" + recipient + ">");
        assertThat(report.parts().get(2).isMimeType("message/rfc822")).isTrue();
        assertThat(report.returnedSubject()).isEqualTo(subject);
    }

    @Test
    void dsnFollowsRetEnvidAndOrcptOfTheSubmission() throws Exception {
        String recipient = unique("gone");
        sink.answer(recipient, "550 5.1.1 No such user");

        submit(" RET=HDRS ENVID=order-4711", "with DSN parameters", recipient
            + "> NOTIFY=FAILURE ORCPT=rfc822;original-" + recipient + "<");

        Report report = awaitReport(recipient, "failed");
        assertThat(report.perMessage().getHeader("Original-Envelope-Id", null)).isEqualTo("order-4711");
        assertThat(report.only(recipient).getHeader("Original-Recipient", null)).isEqualTo("rfc822; original-" + recipient);
        assertThat(report.parts().get(2).isMimeType("text/rfc822-headers")).isTrue();
    }

    @Test
    void mixedRecipientsGiveOneDsnListingEveryFailure() throws Exception {
        String delivered = unique("fine");
        String first = unique("nobody");
        String second = unique("nemo");
        sink.answer(first, "550 5.1.1 User unknown").answer(second, "553 5.1.3 Bad address syntax");

        submit("", "mixed recipients", delivered, first, second);

        Report report = awaitReport(first, "failed");
        assertThat(report.recipients()).extracting(fields -> fields.getHeader("Final-Recipient", null))
            .containsExactlyInAnyOrder("rfc822; " + first, "rfc822; " + second);
        assertThat(report.only(second).getHeader("Status", null)).isEqualTo("5.1.3");
        assertThat(reportsAbout(second)).hasSize(1);
        assertThat(sink.deliveriesTo(delivered)).hasSize(1);
    }

    @Test
    void temporarilyRefusedRecipientIsRetriedAndDeliveredOnceAccepted() {
        String recipient = unique("busy");
        sink.answer(recipient, "450 4.2.1 Mailbox busy, try later");

        submit("", "retried", recipient);
        await("a first attempt refused with 450", () -> !sink.attemptsFor(recipient).isEmpty());
        sink.accept(recipient);

        await("delivery on a retry", () -> !sink.deliveriesTo(recipient).isEmpty());
        assertThat(sink.attemptsFor(recipient).get(0).reply()).startsWith("450");
        assertThat(sink.attemptsFor(recipient)).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void exhaustedRetriesGiveActionFailedAfterExactlyOneDelayWarning() throws Exception {
        String recipient = unique("full");
        sink.answer(recipient, "452 4.2.2 Mailbox full");

        submit("", "never delivered", recipient);

        Report failed = awaitReport(recipient, "failed");
        InternetHeaders fields = failed.only(recipient);
        assertThat(fields.getHeader("Status", null)).isEqualTo("4.4.7");
        assertThat(fields.getHeader("Diagnostic-Code", null)).isEqualTo("smtp; 452 4.2.2 Mailbox full");
        // 1 attempt + 3 retries, as the schedule says.
        assertThat(sink.attemptsFor(recipient)).hasSize(4);
        List<Report> warnings = reportsAbout(recipient).stream()
            .filter(report -> "delayed".equals(report.only(recipient).getHeader("Action", null)))
            .toList();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).only(recipient).getHeader("Will-Retry-Until", null)).isNotBlank();
    }

    @Test
    void bounceToTheVerpAddressSuppressesTheRecipientUntilAnAdminRemovesIt() throws Exception {
        String recipient = unique("left-the-company");
        submit("", "accepted now, bounced later", recipient);
        await("delivery to the sink", () -> !sink.deliveriesTo(recipient).isEmpty());
        String verpAddress = sink.deliveriesTo(recipient).get(0).mailFrom();
        assertThat(verpAddress).isEqualTo("bounces+" + recipient.replace("@", "=") + "@" + VERP_DOMAIN);

        sendFromTheInternet("", verpAddress, asynchronousDsn(recipient));

        WebAdmin webAdmin = server.webAdmin();
        await("the recipient suppressed", () -> webAdmin.get("/bounces/suppressions/" + recipient).status() == 200);
        assertThat(webAdmin.get("/bounces/suppressions/" + recipient).json().path("status").asText()).isEqualTo("5.1.1");
        WebAdmin.Response events = webAdmin.get("/bounces/events?recipient=" + recipient);
        assertThat(events.json().get(0).path("kind").asText()).isEqualTo("hard");
        assertThat(events.json().get(0).path("source").asText()).isEqualTo("verp");
        assertThat(webAdmin.get("/bounces/suppressions?domain=" + REMOTE).body()).contains(recipient);

        AuthenticatingSMTPClient client = Smtp.submission(server.ports().submission(), AUTH_METHOD.PLAIN, ALICE, PASSWORD);
        try {
            assertThat(Smtp.command(client, "MAIL FROM:<" + ALICE + ">")).isEqualTo(250);
            assertThat(Smtp.command(client, "RCPT TO:<" + recipient + ">")).isEqualTo(550);
            assertThat(Smtp.reply(client)).startsWith("550 5.1.1").contains("bounced before");

            assertThat(webAdmin.delete("/bounces/suppressions/" + recipient).status()).isEqualTo(204);

            assertThat(Smtp.command(client, "RCPT TO:<" + recipient + ">")).as(Smtp.reply(client)).isEqualTo(250);
        } finally {
            Smtp.quit(client);
        }
    }

    @Test
    void malformedBounceIsKeptInARepository() {
        String recipient = unique("odd");
        String verpAddress = "bounces+" + recipient.replace("@", "=") + "@" + VERP_DOMAIN;
        String repository = "/mailRepositories/"
            + URLEncoder.encode("cassandra://var/mail/unparsed-bounces/", StandardCharsets.UTF_8) + "/mails";

        sendFromTheInternet("", verpAddress, Smtp.message("MAILER-DAEMON@" + REMOTE, verpAddress,
            "Returned mail", "Your message could not be delivered. Sorry."));

        await("the bounce in the unparsed-bounces repository",
            () -> server.webAdmin().get(repository).body().contains("\""));
        assertThat(server.webAdmin().get("/bounces/suppressions/" + recipient).status()).isEqualTo(404);
    }

    @Test
    void webAdminRefusesAnInvalidAddressWithAJsonError() {
        WebAdmin.Response response = server.webAdmin().get("/bounces/suppressions/not-an-address");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().path("statusCode").asInt()).isEqualTo(400);
        assertThat(response.json().path("type").asText()).isEqualTo("InvalidArgument");
        assertThat(response.json().path("message").asText()).contains("not-an-address");
    }

    // ---- helpers

    private static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8) + "@" + REMOTE;
    }

    /**
     * Alice submits one message; each recipient may carry RCPT parameters after a closing bracket, written
     * {@code "bob@x> NOTIFY=FAILURE<"} (the trailing '<' marks the end and is dropped).
     */
    private static void submit(String mailParameters, String subject, String... recipients) {
        AuthenticatingSMTPClient client = Smtp.submission(server.ports().submission(), AUTH_METHOD.PLAIN, ALICE, PASSWORD);
        try {
            assertThat(Smtp.command(client, "MAIL FROM:<" + ALICE + ">" + mailParameters))
                .as("MAIL FROM answered %s", Smtp.reply(client)).isEqualTo(250);
            List<String> addresses = new ArrayList<>();
            for (String recipient : recipients) {
                String line = recipient.endsWith("<") ? recipient.substring(0, recipient.length() - 1) : recipient + ">";
                addresses.add(line.substring(0, line.indexOf('>')));
                assertThat(Smtp.command(client, "RCPT TO:<" + line))
                    .as("RCPT TO:<%s answered %s", line, Smtp.reply(client)).isEqualTo(250);
            }
            assertThat(Smtp.data(client, Smtp.message(ALICE, String.join(">, <", addresses), subject, "Hello.")))
                .as("DATA answered %s", Smtp.reply(client)).isEqualTo(250);
        } finally {
            Smtp.quit(client);
        }
    }

    /** Another server delivering to our MX port. */
    private static void sendFromTheInternet(String from, String to, String message) {
        AuthenticatingSMTPClient client = Smtp.connect(server.ports().smtp());
        try {
            assertThat(Smtp.command(client, "MAIL FROM:<" + from + ">")).as(Smtp.reply(client)).isEqualTo(250);
            assertThat(Smtp.command(client, "RCPT TO:<" + to + ">")).as(Smtp.reply(client)).isEqualTo(250);
            assertThat(Smtp.data(client, message)).as(Smtp.reply(client)).isEqualTo(250);
        } finally {
            Smtp.quit(client);
        }
    }

    /** What a remote server sends when a mailbox it accepted mail for turns out not to exist. */
    private static String asynchronousDsn(String recipient) {
        String boundary = "report-" + UUID.randomUUID();
        return "From: Mail Delivery Subsystem <MAILER-DAEMON@" + REMOTE + ">\r\n"
            + "To: <bounces@" + VERP_DOMAIN + ">\r\n"
            + "Subject: Undelivered Mail Returned to Sender\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: multipart/report; report-type=delivery-status; boundary=\"" + boundary + "\"\r\n"
            + "\r\n"
            + "--" + boundary + "\r\n"
            + "Content-Type: text/plain\r\n\r\n"
            + "The mailbox does not exist.\r\n"
            + "--" + boundary + "\r\n"
            + "Content-Type: message/delivery-status\r\n\r\n"
            + "Reporting-MTA: dns; mx." + REMOTE + "\r\n"
            + "\r\n"
            + "Final-Recipient: rfc822; " + recipient + "\r\n"
            + "Action: failed\r\n"
            + "Status: 5.1.1\r\n"
            + "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
            + "\r\n"
            + "--" + boundary + "--\r\n";
    }

    private static void await(String what, Supplier<Boolean> condition) {
        Instant deadline = Instant.now().plus(DELIVERY);
        while (Instant.now().isBefore(deadline)) {
            if (condition.get()) {
                return;
            }
            sleep();
        }
        throw new AssertionError("Waited " + DELIVERY.toSeconds() + " s for " + what);
    }

    private static void sleep() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A DSN in Alice's INBOX, parsed with Jakarta Mail: the multipart/report and its delivery-status fields. */
    record Report(MimeMessage message, List<BodyPart> parts, InternetHeaders perMessage, List<InternetHeaders> recipients) {
        InternetHeaders only(String recipient) {
            return recipients.stream()
                .filter(fields -> ("rfc822; " + recipient).equals(fields.getHeader("Final-Recipient", null)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("No block for " + recipient));
        }

        String returnedSubject() throws MessagingException, IOException {
            MimeMessage returned = new MimeMessage(Session.getInstance(new Properties()), parts.get(2).getInputStream());
            return returned.getSubject();
        }

        static Report parse(byte[] raw) throws MessagingException, IOException {
            MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
            if (!message.isMimeType("multipart/report")) {
                return null;
            }
            MimeMultipart multipart = (MimeMultipart) message.getContent();
            List<BodyPart> parts = new ArrayList<>();
            for (int i = 0; i < multipart.getCount(); i++) {
                parts.add(multipart.getBodyPart(i));
            }
            try (InputStream fields = parts.get(1).getInputStream()) {
                InternetHeaders perMessage = new InternetHeaders(fields);
                List<InternetHeaders> recipients = new ArrayList<>();
                while (true) {
                    InternetHeaders block = new InternetHeaders(fields);
                    if (!block.getAllHeaders().hasMoreElements()) {
                        break;
                    }
                    recipients.add(block);
                }
                return new Report(message, parts, perMessage, recipients);
            }
        }
    }

    private static List<Report> reportsAbout(String recipient) throws MessagingException, IOException {
        Mailbox inbox = Mailbox.imapWithStartTls(server.ports().imap(), ALICE, PASSWORD);
        List<Report> reports = new ArrayList<>();
        for (byte[] raw : inbox.rawMessages()) {
            Report report = Report.parse(raw);
            if (report != null && report.recipients().stream()
                .anyMatch(fields -> ("rfc822; " + recipient).equals(fields.getHeader("Final-Recipient", null)))) {
                reports.add(report);
            }
        }
        return reports;
    }

    private static Report awaitReport(String recipient, String action) throws MessagingException, IOException {
        Instant deadline = Instant.now().plus(DELIVERY);
        do {
            for (Report report : reportsAbout(recipient)) {
                if (action.equals(report.only(recipient).getHeader("Action", null))) {
                    return report;
                }
            }
            sleep();
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("No DSN with Action: " + action + " about " + recipient + " within "
            + DELIVERY.toSeconds() + " s; reports about it: " + Arrays.toString(reportsAbout(recipient).toArray()));
    }
}
