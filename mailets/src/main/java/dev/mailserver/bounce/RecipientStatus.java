package dev.mailserver.bounce;

import java.util.Objects;
import java.util.Optional;

import org.apache.james.core.MailAddress;

/**
 * What happened to one recipient of a message, as one per-recipient block of an RFC 3464
 * {@code message/delivery-status} part says it.
 *
 * @param recipient         the address we tried to deliver to (Final-Recipient)
 * @param originalRecipient the ORCPT the submitter gave, if any (Original-Recipient)
 * @param action            failed or delayed
 * @param status            the RFC 3463 enhanced status code, e.g. {@code 5.1.1}
 * @param remoteMta         the host that answered, e.g. {@code mx.example.com}
 * @param diagnostic        the Diagnostic-Code: its type and text, e.g. {@code smtp; 550 5.1.1 No such user}
 */
public record RecipientStatus(MailAddress recipient, Optional<String> originalRecipient, Action action,
                              String status, Optional<String> remoteMta, Optional<String> diagnostic) {
    public enum Action {
        FAILED, DELAYED;

        public String asString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public RecipientStatus {
        Objects.requireNonNull(recipient);
        Objects.requireNonNull(originalRecipient);
        Objects.requireNonNull(action);
        Objects.requireNonNull(remoteMta);
        Objects.requireNonNull(diagnostic);
        if (!EnhancedStatus.isValid(status)) {
            throw new IllegalArgumentException("Not an enhanced status code: " + status);
        }
    }

    public RecipientStatus withOriginalRecipient(Optional<String> orcpt) {
        return new RecipientStatus(recipient, orcpt, action, status, remoteMta, diagnostic);
    }

    public RecipientStatus asAction(Action newAction, String newStatus) {
        return new RecipientStatus(recipient, originalRecipient, newAction, newStatus, remoteMta, diagnostic);
    }

    /** The Diagnostic-Code of a reply from a remote SMTP server. */
    public static String smtpDiagnostic(String reply) {
        return "smtp; " + oneLine(reply);
    }

    /** The Diagnostic-Code of a problem seen by this server (no answer, connection refused...). */
    public static String localDiagnostic(String problem) {
        return "X-Mailserver; " + oneLine(problem);
    }

    /** The diagnostic without its type, for humans. */
    public Optional<String> diagnosticText() {
        return diagnostic.map(value -> value.contains(";") ? value.substring(value.indexOf(';') + 1).strip() : value);
    }

    static String oneLine(String text) {
        return text.replaceAll("[\\r\\n]+", " ").strip();
    }

    /** A permanent failure (5.x.x), as opposed to a transient one (4.x.x). */
    public boolean isPermanent() {
        return status.startsWith("5");
    }
}
