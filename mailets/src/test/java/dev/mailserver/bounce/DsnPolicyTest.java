package dev.mailserver.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.core.builder.MimeMessageBuilder;
import org.apache.mailet.DsnParameters;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.junit.jupiter.api.Test;

import com.google.common.collect.ImmutableMap;

class DsnPolicyTest {
    static final MailAddress BOB = DeliveryStatusNotificationTest.address("bob@remote.test");
    static final RecipientStatus FAILED = new RecipientStatus(BOB, Optional.empty(), RecipientStatus.Action.FAILED,
        "5.1.1", Optional.empty(), Optional.empty());
    static final RecipientStatus DELAYED = new RecipientStatus(BOB, Optional.empty(), RecipientStatus.Action.DELAYED,
        "4.2.2", Optional.empty(), Optional.empty());

    static Mail mail(MaybeSender sender, MimeMessageBuilder message) throws Exception {
        return FakeMail.builder().name("m").sender(sender).recipient(BOB).mimeMessage(message).build();
    }

    static Mail fromAlice() throws Exception {
        return mail(MaybeSender.of(DeliveryStatusNotificationTest.address("alice@company.test")),
            MimeMessageBuilder.mimeMessageBuilder().setText("hello"));
    }

    static void notify(Mail mail, EnumSet<DsnParameters.Notify> notify) {
        mail.setDsnParameters(DsnParameters.builder()
            .rcptParameters(ImmutableMap.of(BOB, DsnParameters.RecipientDsnParameters.of(notify)))
            .build().get());
    }

    @Test
    void withoutNotifyFailuresAndDelaysAreReported() throws Exception {
        assertThat(DsnPolicy.toNotify(fromAlice(), List.of(FAILED))).hasSize(1);
        assertThat(DsnPolicy.toNotify(fromAlice(), List.of(DELAYED))).hasSize(1);
    }

    @Test
    void nothingIsReportedForANullReturnPath() throws Exception {
        Mail bounce = mail(MaybeSender.nullSender(), MimeMessageBuilder.mimeMessageBuilder().setText("bounce"));

        assertThat(DsnPolicy.toNotify(bounce, List.of(FAILED))).isEmpty();
    }

    @Test
    void nothingIsReportedAboutAReportWhateverItsReturnPath() throws Exception {
        Mail report = FakeMail.builder().name("report")
            .sender(MaybeSender.of(DeliveryStatusNotificationTest.address("daemon@remote.test")))
            .recipient(BOB)
            .mimeMessage(new javax.mail.internet.MimeMessage(javax.mail.Session.getInstance(new java.util.Properties()),
                new java.io.ByteArrayInputStream(("Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n"
                    + "\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n").getBytes())))
            .build();

        assertThat(DsnPolicy.toNotify(report, List.of(FAILED))).isEmpty();
    }

    @Test
    void notifyNeverSilencesEverything() throws Exception {
        Mail mail = fromAlice();
        notify(mail, EnumSet.of(DsnParameters.Notify.NEVER));

        assertThat(DsnPolicy.toNotify(mail, List.of(FAILED, DELAYED))).isEmpty();
    }

    @Test
    void notifyFailureGivesNoDelayWarning() throws Exception {
        Mail mail = fromAlice();
        notify(mail, EnumSet.of(DsnParameters.Notify.FAILURE));

        assertThat(DsnPolicy.toNotify(mail, List.of(FAILED))).hasSize(1);
        assertThat(DsnPolicy.toNotify(mail, List.of(DELAYED))).isEmpty();
    }
}
