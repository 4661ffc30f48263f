package dev.mailserver.bounce;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.mailet.DsnParameters;
import org.apache.mailet.Mail;

/**
 * Whether the sender of a message gets a notification about a recipient, so that notifications never loop:
 * <ul>
 *   <li>never for a message with a null return path ({@code MAIL FROM:<>}): notifications themselves are sent
 *       that way (RFC 5321 section 4.5.5), so no notification is ever sent about a notification;</li>
 *   <li>never for a message that is itself a delivery report ({@code multipart/report}), whatever its
 *       return path claims;</li>
 *   <li>otherwise as the submitter asked with {@code NOTIFY=} (RFC 3461): {@code NEVER} gives nothing,
 *       {@code FAILURE} and {@code DELAY} ask for each kind. Without {@code NOTIFY}, failures and delays are
 *       both reported.</li>
 * </ul>
 */
public final class DsnPolicy {
    private DsnPolicy() {
    }

    /** The statuses the sender of {@code mail} asked to hear about, with their ORCPT filled in. */
    public static List<RecipientStatus> toNotify(Mail mail, List<RecipientStatus> statuses) {
        if (!mail.hasSender() || isDeliveryReport(mail)) {
            return List.of();
        }
        return statuses.stream()
            .filter(status -> wants(mail, status.recipient(), status.action()))
            .map(status -> status.withOriginalRecipient(originalRecipient(mail, status.recipient())))
            .toList();
    }

    static boolean wants(Mail mail, MailAddress recipient, RecipientStatus.Action action) {
        Optional<EnumSet<DsnParameters.Notify>> notify = rcptParameters(mail, recipient)
            .flatMap(DsnParameters.RecipientDsnParameters::getNotifyParameter);
        if (notify.isEmpty()) {
            return true;
        }
        return switch (action) {
            case FAILED -> notify.get().contains(DsnParameters.Notify.FAILURE);
            case DELAYED -> notify.get().contains(DsnParameters.Notify.DELAY);
        };
    }

    static Optional<String> originalRecipient(Mail mail, MailAddress recipient) {
        return rcptParameters(mail, recipient)
            .flatMap(DsnParameters.RecipientDsnParameters::getOrcptParameter)
            .map(MailAddress::asString);
    }

    private static Optional<DsnParameters.RecipientDsnParameters> rcptParameters(Mail mail, MailAddress recipient) {
        return mail.dsnParameters().map(parameters -> parameters.getRcptParameters().get(recipient));
    }

    /** True for {@code multipart/report} messages: DSNs, MDNs and other reports are never answered. */
    public static boolean isDeliveryReport(Mail mail) {
        try {
            String contentType = mail.getMessage().getContentType();
            return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/report");
        } catch (MessagingException e) {
            return false;
        }
    }
}
