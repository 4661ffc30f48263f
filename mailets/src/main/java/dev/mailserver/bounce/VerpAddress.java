package dev.mailserver.bounce;

import java.util.Locale;
import java.util.Optional;

import javax.mail.internet.AddressException;

import org.apache.james.core.Domain;
import org.apache.james.core.MailAddress;

import com.google.common.base.Preconditions;

/**
 * Variable envelope return paths: outgoing mail to {@code bob@example.com} leaves with the envelope sender
 * {@code bounces+bob=example.com@<bounce domain>}, so a bounce that comes back later, whatever its format,
 * names the recipient it is about. This is the classic qmail/Postfix encoding: the recipient's {@code @}
 * becomes {@code =}.
 *
 * <p>Addresses too long to encode (RFC 5321 limits a local part to 64 octets) are sent without VERP.
 */
public final class VerpAddress {
    private static final int MAX_LOCAL_PART = 64;

    private final String prefix;
    private final Domain domain;

    /** @param localPart the fixed part before {@code +}, e.g. {@code bounces} */
    public VerpAddress(String localPart, Domain domain) {
        Preconditions.checkArgument(localPart != null && localPart.matches("[A-Za-z0-9._-]+"),
            "The VERP local part must be letters, digits, '.', '_' or '-': %s", localPart);
        this.prefix = localPart.toLowerCase(Locale.ROOT) + "+";
        this.domain = Preconditions.checkNotNull(domain);
    }

    /** The return path that stands for {@code recipient}, when it fits in a local part. */
    public Optional<MailAddress> encode(MailAddress recipient) {
        String localPart = prefix + recipient.getLocalPart() + "=" + recipient.getDomain().asString();
        if (localPart.length() > MAX_LOCAL_PART || recipient.getLocalPart().startsWith("\"")) {
            return Optional.empty();
        }
        try {
            return Optional.of(new MailAddress(localPart, domain));
        } catch (AddressException e) {
            return Optional.empty();
        }
    }

    /** The recipient a VERP address stands for; empty for any other address. */
    public Optional<MailAddress> decode(MailAddress address) {
        if (!isVerpAddress(address)) {
            return Optional.empty();
        }
        String token = address.getLocalPart().substring(prefix.length());
        int at = token.lastIndexOf('=');
        if (at <= 0 || at == token.length() - 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(new MailAddress(token.substring(0, at), token.substring(at + 1)));
        } catch (AddressException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Whether the address has the shape of our VERP addresses (it may still not decode). */
    public boolean isVerpAddress(MailAddress address) {
        return address.getDomain().equals(domain)
            && address.getLocalPart().toLowerCase(Locale.ROOT).startsWith(prefix);
    }

    public Domain domain() {
        return domain;
    }
}
