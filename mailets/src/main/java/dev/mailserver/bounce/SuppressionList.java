package dev.mailserver.bounce;

import java.util.List;
import java.util.Optional;

import org.apache.james.core.Domain;
import org.apache.james.core.MailAddress;

/**
 * Addresses that bounced hard (or softly too often): submissions to them are refused at RCPT. Addresses are
 * compared as {@link MailAddress} does: the domain without case, the local part as given (lower-cased by
 * the stores, which is what every real mailbox provider does).
 */
public interface SuppressionList {
    /** Adds the address, or replaces what is recorded for it. */
    void suppress(Suppression suppression);

    Optional<Suppression> find(MailAddress address);

    /** Removes the address; nothing happens when it is not suppressed. */
    void remove(MailAddress address);

    /** Suppressed addresses ordered by domain then address, optionally only those of one domain. */
    List<Suppression> list(Optional<Domain> domain, int offset, int limit);
}
