package dev.mailserver.bounce;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import javax.mail.BodyPart;
import javax.mail.MessagingException;
import javax.mail.Multipart;
import javax.mail.internet.AddressException;
import javax.mail.internet.ContentType;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;

/**
 * A delivery status notification received from another server, read per RFC 3464: the
 * {@code message/delivery-status} part of a {@code multipart/report; report-type=delivery-status} message.
 * Anything else (a text-only bounce, a report without per-recipient fields, an invalid status code) is not
 * a delivery report: {@link #parse} answers empty and the caller keeps the message for a human.
 */
public record DeliveryReport(Optional<String> reportingMta, List<Recipient> recipients) {
    /** One per-recipient block. */
    public record Recipient(Optional<MailAddress> finalRecipient, Optional<MailAddress> originalRecipient, String action,
                            String status, Optional<String> diagnostic, Optional<String> remoteMta) {
        public boolean isFailure() {
            return action.equals("failed");
        }
    }

    public static Optional<DeliveryReport> parse(MimeMessage message) {
        try {
            ContentType type = new ContentType(message.getContentType());
            if (!type.match("multipart/report")) {
                return Optional.empty();
            }
            Object content = message.getContent();
            if (!(content instanceof Multipart multipart)) {
                return Optional.empty();
            }
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart part = multipart.getBodyPart(i);
                if (part.isMimeType("message/delivery-status") || part.isMimeType("message/global-delivery-status")) {
                    return parseFields(read(part));
                }
            }
            return Optional.empty();
        } catch (MessagingException | IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String read(BodyPart part) throws MessagingException, IOException {
        try (InputStream in = part.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static Optional<DeliveryReport> parseFields(String text) {
        List<Map<String, String>> blocks = blocks(text);
        if (blocks.size() < 2) {
            return Optional.empty();
        }
        Optional<String> reportingMta = Optional.ofNullable(blocks.get(0).get("reporting-mta")).map(DeliveryReport::valueOfTyped);
        List<Recipient> recipients = new ArrayList<>();
        for (Map<String, String> block : blocks.subList(1, blocks.size())) {
            String action = block.getOrDefault("action", "").trim().toLowerCase(Locale.ROOT);
            String status = Optional.ofNullable(block.get("status")).map(value -> value.trim().split("\\s+")[0]).orElse("");
            if (action.isEmpty() || !EnhancedStatus.isValid(status) || !block.containsKey("final-recipient")) {
                return Optional.empty();
            }
            recipients.add(new Recipient(address(block.get("final-recipient")), address(block.get("original-recipient")),
                action, status, Optional.ofNullable(block.get("diagnostic-code")).map(String::strip),
                Optional.ofNullable(block.get("remote-mta")).map(DeliveryReport::valueOfTyped)));
        }
        return Optional.of(new DeliveryReport(reportingMta, recipients));
    }

    /** Header-like blocks separated by blank lines, with folded lines joined; field names in lower case. */
    private static List<Map<String, String>> blocks(String text) {
        List<Map<String, String>> blocks = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        String lastName = null;
        for (String line : text.replace("\r\n", "\n").split("\n", -1)) {
            if (line.isBlank()) {
                if (!current.isEmpty()) {
                    blocks.add(current);
                    current = new LinkedHashMap<>();
                }
                lastName = null;
            } else if ((line.startsWith(" ") || line.startsWith("\t")) && lastName != null) {
                current.put(lastName, current.get(lastName) + " " + line.strip());
            } else if (line.indexOf(':') > 0) {
                lastName = line.substring(0, line.indexOf(':')).strip().toLowerCase(Locale.ROOT);
                current.put(lastName, line.substring(line.indexOf(':') + 1).strip());
            }
        }
        if (!current.isEmpty()) {
            blocks.add(current);
        }
        return blocks;
    }

    /** {@code rfc822; bob@example.com} gives {@code bob@example.com}. */
    private static String valueOfTyped(String field) {
        int semicolon = field.indexOf(';');
        return (semicolon >= 0 ? field.substring(semicolon + 1) : field).strip();
    }

    private static Optional<MailAddress> address(String field) {
        if (field == null) {
            return Optional.empty();
        }
        String value = valueOfTyped(field);
        if (value.startsWith("<") && value.endsWith(">")) {
            value = value.substring(1, value.length() - 1);
        }
        try {
            return Optional.of(new MailAddress(value));
        } catch (AddressException e) {
            return Optional.empty();
        }
    }
}
