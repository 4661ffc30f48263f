package dev.mailserver.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import javax.mail.BodyPart;
import javax.mail.Session;
import javax.mail.internet.ContentType;
import javax.mail.internet.InternetHeaders;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.core.builder.MimeMessageBuilder;
import org.apache.mailet.DsnParameters;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.junit.jupiter.api.Test;

import com.google.common.collect.ImmutableMap;

class DeliveryStatusNotificationTest {
    static final Instant ARRIVAL = Instant.parse("2026-11-23T08:00:00Z");
    static final Instant NOW = Instant.parse("2026-11-23T08:05:00Z");
    static final DeliveryStatusNotification NOTIFICATIONS = new DeliveryStatusNotification("mx.company.test",
        address("postmaster@company.test"));

    static MailAddress address(String value) {
        try {
            return new MailAddress(value);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Mail original() throws Exception {
        return FakeMail.builder()
            .name("original")
            .sender("alice@company.test")
            .recipients("bob@remote.test", "carol@remote.test")
            .mimeMessage(MimeMessageBuilder.mimeMessageBuilder()
                .setSubject("Quarterly report")
                .addHeader("Message-ID", "<q3@company.test>")
                .setText("Numbers attached."))
            .build();
    }

    static RecipientStatus failed(String recipient, String status, String reply) {
        return new RecipientStatus(address(recipient), Optional.empty(), RecipientStatus.Action.FAILED, status,
            Optional.of("mx.remote.test"), Optional.of(RecipientStatus.smtpDiagnostic(reply)));
    }

    /** The notification as a mail client receives it: bytes, parsed again. */
    static MimeMessage roundTrip(MimeMessage message) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        message.writeTo(bytes);
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes.toByteArray()));
    }

    static List<InternetHeaders> fieldBlocks(BodyPart deliveryStatus) throws Exception {
        List<InternetHeaders> blocks = new ArrayList<>();
        try (InputStream in = deliveryStatus.getInputStream()) {
            while (true) {
                InternetHeaders block = new InternetHeaders(in);
                if (!block.getAllHeaders().hasMoreElements()) {
                    return blocks;
                }
                blocks.add(block);
            }
        }
    }

    @Test
    void isAMultipartReportWithHumanPartDeliveryStatusAndOriginalMessage() throws Exception {
        MimeMessage dsn = roundTrip(NOTIFICATIONS.build(original(), ARRIVAL, NOW,
            List.of(failed("bob@remote.test", "5.1.1", "550 5.1.1 No such user")), Optional.empty()));

        ContentType type = new ContentType(dsn.getContentType());
        assertThat(type.getBaseType()).isEqualTo("multipart/report");
        assertThat(type.getParameter("report-type")).isEqualTo("delivery-status");
        MimeMultipart parts = (MimeMultipart) dsn.getContent();
        assertThat(parts.getCount()).isEqualTo(3);
        assertThat(parts.getBodyPart(0).isMimeType("text/plain")).isTrue();
        assertThat((String) parts.getBodyPart(0).getContent()).contains("<bob@remote.test>: 550 5.1.1 No such user");
        assertThat(parts.getBodyPart(1).isMimeType("message/delivery-status")).isTrue();
        assertThat(parts.getBodyPart(2).isMimeType("message/rfc822")).isTrue();
        assertThat(dsn.getRecipients(javax.mail.Message.RecipientType.TO)[0].toString()).isEqualTo("alice@company.test");
        assertThat(dsn.getHeader("Auto-Submitted", null)).isEqualTo("auto-replied");
        assertThat(dsn.getHeader("In-Reply-To", null)).isEqualTo("<q3@company.test>");
    }

    @Test
    void deliveryStatusHasPerMessageAndPerRecipientFields() throws Exception {
        MimeMessage dsn = roundTrip(NOTIFICATIONS.build(original(), ARRIVAL, NOW,
            List.of(failed("bob@remote.test", "5.1.1", "550 5.1.1 No such user")), Optional.empty()));

        List<InternetHeaders> blocks = fieldBlocks(((MimeMultipart) dsn.getContent()).getBodyPart(1));
        assertThat(blocks).hasSize(2);
        assertThat(blocks.get(0).getHeader("Reporting-MTA", null)).isEqualTo("dns; mx.company.test");
        assertThat(blocks.get(0).getHeader("Arrival-Date", null)).contains("2026");
        InternetHeaders bob = blocks.get(1);
        assertThat(bob.getHeader("Final-Recipient", null)).isEqualTo("rfc822; bob@remote.test");
        assertThat(bob.getHeader("Action", null)).isEqualTo("failed");
        assertThat(bob.getHeader("Status", null)).isEqualTo("5.1.1");
        assertThat(bob.getHeader("Remote-MTA", null)).isEqualTo("dns; mx.remote.test");
        assertThat(bob.getHeader("Diagnostic-Code", null)).isEqualTo("smtp; 550 5.1.1 No such user");
        assertThat(bob.getHeader("Original-Recipient", null)).isNull();
    }

    @Test
    void severalRecipientsAreListedInOneNotification() throws Exception {
        MimeMessage dsn = roundTrip(NOTIFICATIONS.build(original(), ARRIVAL, NOW,
            List.of(failed("bob@remote.test", "5.1.1", "550 5.1.1 No such user"),
                failed("carol@remote.test", "5.2.2", "552 5.2.2 Over quota")), Optional.empty()));

        List<InternetHeaders> blocks = fieldBlocks(((MimeMultipart) dsn.getContent()).getBodyPart(1));
        assertThat(blocks.subList(1, blocks.size()))
            .extracting(block -> block.getHeader("Final-Recipient", null))
            .containsExactly("rfc822; bob@remote.test", "rfc822; carol@remote.test");
    }

    @Test
    void followsEnvidOrcptAndRetHdrs() throws Exception {
        Mail original = original();
        original.setDsnParameters(DsnParameters.builder()
            .envId(DsnParameters.EnvId.of("order-4711"))
            .ret(DsnParameters.Ret.HDRS)
            .rcptParameters(ImmutableMap.of(address("bob@remote.test"),
                DsnParameters.RecipientDsnParameters.of(address("robert@remote.test"))))
            .build().get());
        List<RecipientStatus> statuses = DsnPolicy.toNotify(original,
            List.of(failed("bob@remote.test", "5.1.1", "550 5.1.1 No such user")));

        MimeMessage dsn = roundTrip(NOTIFICATIONS.build(original, ARRIVAL, NOW, statuses, Optional.empty()));

        MimeMultipart parts = (MimeMultipart) dsn.getContent();
        List<InternetHeaders> blocks = fieldBlocks(parts.getBodyPart(1));
        assertThat(blocks.get(0).getHeader("Original-Envelope-Id", null)).isEqualTo("order-4711");
        assertThat(blocks.get(1).getHeader("Original-Recipient", null)).isEqualTo("rfc822; robert@remote.test");
        assertThat(parts.getBodyPart(2).isMimeType("text/rfc822-headers")).isTrue();
    }

    @Test
    void delayWarningsSayUntilWhenAndReturnOnlyHeaders() throws Exception {
        RecipientStatus delayed = new RecipientStatus(address("bob@remote.test"), Optional.empty(),
            RecipientStatus.Action.DELAYED, "4.2.2", Optional.of("mx.remote.test"),
            Optional.of(RecipientStatus.smtpDiagnostic("452 4.2.2 Mailbox full")));

        MimeMessage dsn = roundTrip(NOTIFICATIONS.build(original(), ARRIVAL, NOW, List.of(delayed),
            Optional.of(Instant.parse("2026-11-28T08:00:00Z"))));

        MimeMultipart parts = (MimeMultipart) dsn.getContent();
        InternetHeaders bob = fieldBlocks(parts.getBodyPart(1)).get(1);
        assertThat(bob.getHeader("Action", null)).isEqualTo("delayed");
        assertThat(bob.getHeader("Will-Retry-Until", null)).contains("28 Nov 2026");
        assertThat(parts.getBodyPart(2).isMimeType("text/rfc822-headers")).isTrue();
    }

    @Test
    void refusesToNotifyANullReturnPath() throws Exception {
        Mail bounce = FakeMail.builder().name("bounce").sender(MaybeSender.nullSender())
            .recipient("bob@remote.test").mimeMessage(MimeMessageBuilder.mimeMessageBuilder().setText("x")).build();

        assertThatThrownBy(() -> NOTIFICATIONS.build(bounce, ARRIVAL, NOW,
            List.of(failed("bob@remote.test", "5.1.1", "550")), Optional.empty()))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void isReadBackByOurOwnParser() throws Exception {
        MimeMessage dsn = roundTrip(NOTIFICATIONS.build(original(), ARRIVAL, NOW,
            List.of(failed("bob@remote.test", "5.1.1", "550 5.1.1 No such user")), Optional.empty()));

        DeliveryReport report = DeliveryReport.parse(dsn).orElseThrow();

        assertThat(report.reportingMta()).contains("mx.company.test");
        assertThat(report.recipients()).singleElement().satisfies(recipient -> {
            assertThat(recipient.finalRecipient()).contains(address("bob@remote.test"));
            assertThat(recipient.isFailure()).isTrue();
            assertThat(recipient.status()).isEqualTo("5.1.1");
        });
    }
}
