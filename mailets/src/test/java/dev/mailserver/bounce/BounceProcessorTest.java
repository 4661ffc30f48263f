package dev.mailserver.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.Domain;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.core.builder.MimeMessageBuilder;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BounceProcessorTest {
    static final VerpAddress VERP = new VerpAddress("bounces", Domain.of("bounces.company.test"));
    static final MailAddress BOB = DeliveryStatusNotificationTest.address("bob@remote.test");

    MemorySuppressionList suppressions;
    MemoryBounceEventStore events;
    BounceProcessor processor;

    @BeforeEach
    void setUp() throws Exception {
        suppressions = new MemorySuppressionList();
        events = new MemoryBounceEventStore();
        BounceConfiguration configuration = new BounceConfiguration(Optional.of(VERP), 5, Duration.ofDays(7), Duration.ofDays(90));
        processor = new BounceProcessor(new BounceRecorder(events, suppressions, configuration), configuration);
        processor.init(FakeMailetConfig.builder().mailetName("BounceProcessor").build());
    }

    static MimeMessage dsn(String finalRecipient, String status) throws Exception {
        String raw = "From: MAILER-DAEMON@remote.test\r\n"
            + "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
            + "--b\r\nContent-Type: text/plain\r\n\r\nGone.\r\n"
            + "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
            + "Reporting-MTA: dns; mx.remote.test\r\n\r\n"
            + "Final-Recipient: rfc822; " + finalRecipient + "\r\n"
            + "Action: failed\r\nStatus: " + status + "\r\n"
            + "Diagnostic-Code: smtp; 550 " + status + " User unknown\r\n\r\n"
            + "--b--\r\n";
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw.getBytes(StandardCharsets.US_ASCII)));
    }

    static Mail toVerp(MimeMessage message) throws Exception {
        return FakeMail.builder().name("bounce").sender(MaybeSender.nullSender())
            .recipient(VERP.encode(BOB).orElseThrow()).mimeMessage(message).build();
    }

    @Test
    void aHardBounceToAVerpAddressSuppressesTheEncodedRecipientAndIsConsumed() throws Exception {
        Mail bounce = toVerp(dsn("rewritten-alias@remote.test", "5.1.1"));

        processor.service(bounce);

        assertThat(suppressions.find(BOB)).isPresent();
        assertThat(events.eventsOf(BOB)).singleElement().satisfies(event -> {
            assertThat(event.kind()).isEqualTo(BounceEvent.Kind.HARD);
            assertThat(event.source()).isEqualTo("verp");
            assertThat(event.diagnostic()).contains("550 5.1.1 User unknown");
        });
        assertThat(bounce.getState()).isEqualTo(Mail.GHOST);
    }

    @Test
    void aSoftBounceIsRecordedWithoutSuppressing() throws Exception {
        processor.service(toVerp(dsn(BOB.asString(), "4.2.2")));

        assertThat(events.eventsOf(BOB)).extracting(BounceEvent::kind).containsExactly(BounceEvent.Kind.SOFT);
        assertThat(suppressions.find(BOB)).isEmpty();
    }

    @Test
    void aNonStandardBounceGoesToTheUnparsedProcessor() throws Exception {
        Mail bounce = toVerp(MimeMessageBuilder.mimeMessageBuilder().setText("Sorry, could not deliver.").build());

        processor.service(bounce);

        assertThat(bounce.getState()).isEqualTo("unparsed-bounces");
        assertThat(events.eventsOf(BOB)).isEmpty();
    }

    @Test
    void aReportToAUserIsRecordedByFinalRecipientAndDeliveredWhenNotConsumed() throws Exception {
        processor.init(FakeMailetConfig.builder().mailetName("BounceProcessor").setProperty("consume", "false").build());
        Mail report = FakeMail.builder().name("report").sender(MaybeSender.nullSender())
            .recipient("alice@company.test").mimeMessage(dsn(BOB.asString(), "5.1.1")).state(Mail.DEFAULT).build();

        processor.service(report);

        assertThat(events.eventsOf(BOB)).extracting(BounceEvent::source).containsExactly("dsn");
        assertThat(report.getState()).isEqualTo(Mail.DEFAULT);
    }
}
