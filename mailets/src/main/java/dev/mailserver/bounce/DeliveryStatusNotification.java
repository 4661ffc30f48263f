package dev.mailserver.bounce;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import javax.activation.DataHandler;
import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;
import javax.mail.util.ByteArrayDataSource;

import org.apache.james.core.MailAddress;
import org.apache.james.javax.MimeMultipartReport;
import org.apache.mailet.DsnParameters;
import org.apache.mailet.Mail;

import com.google.common.base.Preconditions;

/**
 * Builds the delivery status notification (RFC 3464, in the RFC 3462 {@code multipart/report}) that tells
 * the sender what became of some recipients of a message: a human-readable part, a
 * {@code message/delivery-status} part with one block per recipient, and the original message (or only its
 * headers when the submitter asked for {@code RET=HDRS}, and for delay warnings unless it asked for
 * {@code RET=FULL}).
 *
 * <p>One notification lists every recipient given, so several recipients failing together give one message.
 * It never decides whether a notification should be sent; see {@link DsnPolicy}.
 */
public final class DeliveryStatusNotification {
    static final DateTimeFormatter RFC_5322_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;
    private static final String CRLF = "\r\n";

    private final String reportingMta;
    private final MailAddress from;

    /**
     * @param reportingMta this server's host name, for {@code Reporting-MTA}
     * @param from         the address notifications come from (the postmaster); they are sent with a null
     *                     envelope sender, so no notification is ever sent about them
     */
    public DeliveryStatusNotification(String reportingMta, MailAddress from) {
        this.reportingMta = Preconditions.checkNotNull(reportingMta);
        this.from = Preconditions.checkNotNull(from);
    }

    /** A notification about {@code statuses}, all of one action, addressed to the sender of {@code original}. */
    public MimeMessage build(Mail original, Instant arrival, Instant now, List<RecipientStatus> statuses,
                             Optional<Instant> willRetryUntil) throws MessagingException {
        Preconditions.checkArgument(!statuses.isEmpty(), "A notification lists at least one recipient");
        Preconditions.checkArgument(original.hasSender(), "No notification for a message without return path");
        RecipientStatus.Action action = statuses.get(0).action();
        Preconditions.checkArgument(statuses.stream().allMatch(status -> status.action() == action),
            "One notification, one action");

        MimeMultipartReport report = new MimeMultipartReport();
        report.setReportType("delivery-status");
        report.addBodyPart(humanReadable(original, action, statuses, willRetryUntil));
        report.addBodyPart(deliveryStatus(original, arrival, now, statuses, willRetryUntil));
        report.addBodyPart(returnedContent(original, action));

        MimeMessage message = new MimeMessage(Session.getDefaultInstance(new Properties()));
        InternetAddress mailerDaemon = new InternetAddress(from.asString());
        try {
            mailerDaemon.setPersonal("Mail Delivery System", "UTF-8");
        } catch (java.io.UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
        message.setFrom(mailerDaemon);
        message.setRecipient(javax.mail.Message.RecipientType.TO, original.getMaybeSender().get().toInternetAddress().get());
        message.setSubject(action == RecipientStatus.Action.FAILED
            ? "Undelivered Mail Returned to Sender"
            : "Delayed Mail (still being retried)");
        message.setSentDate(java.util.Date.from(now));
        // RFC 3834: automatic responders must not answer this message.
        message.setHeader("Auto-Submitted", "auto-replied");
        Optional<String> originalId = Optional.ofNullable(original.getMessage().getMessageID());
        if (originalId.isPresent()) {
            message.setHeader("In-Reply-To", originalId.get());
            message.setHeader("References", originalId.get());
        }
        message.setContent(report);
        message.saveChanges();
        return message;
    }

    private MimeBodyPart humanReadable(Mail original, RecipientStatus.Action action, List<RecipientStatus> statuses,
                                       Optional<Instant> willRetryUntil) throws MessagingException {
        StringBuilder text = new StringBuilder();
        text.append("This is the mail system at ").append(reportingMta).append('.').append(CRLF).append(CRLF);
        if (action == RecipientStatus.Action.FAILED) {
            text.append("Your message could not be delivered to the recipients below. This is a permanent error;")
                .append(CRLF).append("the message will not be sent again.").append(CRLF);
        } else {
            text.append("Your message has not been delivered yet to the recipients below. Delivery is still being")
                .append(CRLF).append("attempted")
                .append(willRetryUntil.map(until -> " until " + RFC_5322_DATE.format(until.atZone(ZoneId.systemDefault()))).orElse(""))
                .append("; you do not need to send it again.").append(CRLF);
        }
        text.append(CRLF);
        for (RecipientStatus status : statuses) {
            text.append("<").append(status.recipient().asString()).append(">: ")
                .append(status.diagnosticText().orElse("status " + status.status()));
            status.remoteMta().ifPresent(mta -> text.append(" (host ").append(mta).append(')'));
            text.append(CRLF);
        }
        text.append(CRLF).append("The ").append(returnsFullMessage(original, action) ? "message" : "headers of the message")
            .append(" you sent follow").append(returnsFullMessage(original, action) ? "s" : "").append('.').append(CRLF);
        MimeBodyPart part = new MimeBodyPart();
        part.setText(text.toString(), "UTF-8");
        part.setHeader("Content-Description", "Notification");
        return part;
    }

    private MimeBodyPart deliveryStatus(Mail original, Instant arrival, Instant now, List<RecipientStatus> statuses,
                                        Optional<Instant> willRetryUntil) throws MessagingException {
        StringBuilder fields = new StringBuilder();
        fields.append("Reporting-MTA: dns; ").append(reportingMta).append(CRLF);
        original.dsnParameters().flatMap(DsnParameters::getEnvIdParameter)
            .ifPresent(envId -> fields.append("Original-Envelope-Id: ").append(envId.asString()).append(CRLF));
        fields.append("Arrival-Date: ").append(date(arrival)).append(CRLF);
        for (RecipientStatus status : statuses) {
            fields.append(CRLF);
            status.originalRecipient()
                .ifPresent(orcpt -> fields.append("Original-Recipient: rfc822; ").append(orcpt).append(CRLF));
            fields.append("Final-Recipient: rfc822; ").append(status.recipient().asString()).append(CRLF);
            fields.append("Action: ").append(status.action().asString()).append(CRLF);
            fields.append("Status: ").append(status.status()).append(CRLF);
            status.remoteMta().ifPresent(mta -> fields.append("Remote-MTA: dns; ").append(mta).append(CRLF));
            status.diagnostic().ifPresent(diagnostic -> fields.append("Diagnostic-Code: ").append(diagnostic).append(CRLF));
            fields.append("Last-Attempt-Date: ").append(date(now)).append(CRLF);
            if (status.action() == RecipientStatus.Action.DELAYED) {
                willRetryUntil.ifPresent(until -> fields.append("Will-Retry-Until: ").append(date(until)).append(CRLF));
            }
        }
        MimeBodyPart part = new MimeBodyPart();
        part.setDataHandler(new DataHandler(new ByteArrayDataSource(fields.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            "message/delivery-status")));
        part.setHeader("Content-Type", "message/delivery-status");
        part.setHeader("Content-Description", "Delivery report");
        return part;
    }

    private MimeBodyPart returnedContent(Mail original, RecipientStatus.Action action) throws MessagingException {
        MimeBodyPart part = new MimeBodyPart();
        try {
            if (returnsFullMessage(original, action)) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                original.getMessage().writeTo(bytes);
                part.setDataHandler(new DataHandler(new ByteArrayDataSource(bytes.toByteArray(), "message/rfc822")));
                part.setHeader("Content-Type", "message/rfc822");
                part.setHeader("Content-Description", "Undelivered message");
            } else {
                StringBuilder headers = new StringBuilder();
                Enumeration<String> lines = original.getMessage().getAllHeaderLines();
                while (lines.hasMoreElements()) {
                    headers.append(lines.nextElement()).append(CRLF);
                }
                part.setDataHandler(new DataHandler(new ByteArrayDataSource(headers.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "text/rfc822-headers")));
                part.setHeader("Content-Type", "text/rfc822-headers");
                part.setHeader("Content-Description", "Headers of the message");
            }
        } catch (IOException e) {
            throw new MessagingException("Cannot read the original message " + original.getName(), e);
        }
        return part;
    }

    /** RET=FULL returns the message, RET=HDRS its headers; without RET, failures return the message, delays the headers. */
    static boolean returnsFullMessage(Mail original, RecipientStatus.Action action) {
        return original.dsnParameters().flatMap(DsnParameters::getRetParameter)
            .map(ret -> ret == DsnParameters.Ret.FULL)
            .orElse(action == RecipientStatus.Action.FAILED);
    }

    private static String date(Instant instant) {
        return RFC_5322_DATE.format(instant.atZone(ZoneId.systemDefault()));
    }
}
