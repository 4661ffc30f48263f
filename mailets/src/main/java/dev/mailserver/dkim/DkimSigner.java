package dev.mailserver.dkim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.mail.MessagingException;
import javax.mail.internet.AddressException;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.Domain;

/**
 * DKIM signatures per RFC 6376 with relaxed/relaxed canonicalization, for {@code rsa-sha256} and
 * {@code ed25519-sha256} (RFC 8463). No {@code l=} tag: the whole body is signed, so nothing can be
 * appended to it.
 *
 * <p>Signed header fields, when present: {@link #SIGNED_HEADERS} and every {@code List-*} field, each
 * listed in {@code h=} once per occurrence; {@code From} is listed once more than it occurs, so that a
 * verifier rejects a message to which a From field was added after signing.
 *
 * <p>The signer works on the bytes the message will be sent as ({@link #read(MimeMessage)} serializes
 * it), never on a re-parsed model of it: any difference between what is hashed and what is sent breaks
 * the signature.
 */
public final class DkimSigner {
    public static final List<String> SIGNED_HEADERS = List.of("From", "To", "Cc", "Subject", "Date", "Message-ID",
        "Reply-To", "MIME-Version", "Content-Type", "Content-Transfer-Encoding");
    static final String DKIM_SIGNATURE = "DKIM-Signature";
    private static final String LIST_PREFIX = "list-";
    private static final Pattern FOLDING = Pattern.compile("\r\n|\r|\n");
    private static final Pattern WHITESPACE = Pattern.compile("[ \t]+");
    private static final Pattern EDGE_SPACES = Pattern.compile("^ | $");
    /** Lines of the DKIM-Signature field are folded before this length (RFC 5322 recommends 78). */
    private static final int LINE_LENGTH = 76;

    /** A message that cannot be signed as it is (its header section is not well formed). */
    public static class UnsignableMessageException extends Exception {
        public UnsignableMessageException(String message) {
            super(message);
        }
    }

    /** One header field exactly as serialized: name, colon, value with its folding, no final CRLF. */
    record HeaderField(String name, String text) {
        String value() {
            return text.substring(text.indexOf(':') + 1);
        }

        boolean hasName(String other) {
            return name.equalsIgnoreCase(other);
        }

        /** RFC 6376 section 3.4.2. */
        String relaxed() {
            String unfolded = FOLDING.matcher(value()).replaceAll("");
            return name.toLowerCase(Locale.ROOT) + ":" + EDGE_SPACES.matcher(WHITESPACE.matcher(unfolded).replaceAll(" ")).replaceAll("");
        }
    }

    /** What signing needs of a message: its header fields in order, and the hash of its canonical body. */
    public static final class SignableMessage {
        private final List<HeaderField> headers;
        private final byte[] bodyHash;

        private SignableMessage(List<HeaderField> headers, byte[] bodyHash) {
            this.headers = headers;
            this.bodyHash = bodyHash;
        }

        List<HeaderField> headers() {
            return headers;
        }

        /**
         * The domain of the address in the From field, which is the signing domain ({@code d=}); empty
         * when there is not exactly one From field or its first address has no valid domain.
         */
        public Optional<Domain> fromDomain() {
            List<HeaderField> from = headers.stream().filter(field -> field.hasName("From")).toList();
            if (from.size() != 1) {
                return Optional.empty();
            }
            try {
                InternetAddress[] addresses = InternetAddress.parseHeader(
                    FOLDING.matcher(from.get(0).value()).replaceAll(""), false);
                if (addresses.length == 0 || addresses[0].getAddress() == null) {
                    return Optional.empty();
                }
                String address = addresses[0].getAddress();
                int at = address.lastIndexOf('@');
                return at < 0 ? Optional.empty() : Optional.of(Domain.of(address.substring(at + 1)));
            } catch (AddressException | IllegalArgumentException e) {
                return Optional.empty();
            }
        }

        /** True when a DKIM-Signature field with this key's d= and s= is already there. */
        public boolean isSignedWith(DkimKey key) {
            return headers.stream()
                .filter(field -> field.hasName(DKIM_SIGNATURE))
                .map(field -> tags(field.value()))
                .anyMatch(tags -> key.domain().asString().equalsIgnoreCase(tags.getOrDefault("d", ""))
                    && key.selector().equalsIgnoreCase(tags.getOrDefault("s", "")));
        }
    }

    private DkimSigner() {
    }

    /** Serializes the message as it will be sent and reads it for signing. */
    public static SignableMessage read(MimeMessage message) throws IOException, MessagingException, UnsignableMessageException {
        HeaderBodySplitter splitter = new HeaderBodySplitter();
        message.writeTo(splitter);
        return splitter.finish();
    }

    /** Reads a message given as bytes (RFC 5322, CRLF line ends). */
    public static SignableMessage read(byte[] message) throws UnsignableMessageException {
        HeaderBodySplitter splitter = new HeaderBodySplitter();
        splitter.write(message, 0, message.length);
        return splitter.finish();
    }

    /** The complete DKIM-Signature header field (folded, no final CRLF) signing the message with the key. */
    public static String sign(SignableMessage message, SigningKey signingKey, Instant now) throws GeneralSecurityException {
        DkimKey key = signingKey.key();
        List<String> signedNames = signedHeaderNames(message.headers());

        FoldedField field = new FoldedField(DKIM_SIGNATURE + ":");
        field.append(" v=1;")
            .append(" a=" + key.algorithm().signatureAlgorithm() + ";")
            .append(" c=relaxed/relaxed;")
            .append(" d=" + key.domain().asString() + ";")
            .append(" s=" + key.selector() + ";")
            .append(" t=" + now.getEpochSecond() + ";");
        for (int i = 0; i < signedNames.size(); i++) {
            String name = signedNames.get(i);
            boolean last = i == signedNames.size() - 1;
            field.append((i == 0 ? " h=" : "") + name + (last ? ";" : ":"));
        }
        field.append(" bh=" + Base64.getEncoder().encodeToString(message.bodyHash) + ";")
            .append(" b=");

        String unsigned = field.toString();
        byte[] signedData = signedData(message.headers(), signedNames, new HeaderField(DKIM_SIGNATURE, unsigned));
        String signature = Base64.getEncoder().encodeToString(signingKey.sign(signedData));
        for (int start = 0; start < signature.length(); start += LINE_LENGTH - 8) {
            field.append(signature.substring(start, Math.min(signature.length(), start + LINE_LENGTH - 8)));
        }
        return field.toString();
    }

    /**
     * The names for {@code h=}: each signed field once per occurrence, From once more. Fields that occur
     * several times are hashed from the bottom up (RFC 6376 section 5.4.2); the extra From matches no
     * field and hashes as nothing.
     */
    static List<String> signedHeaderNames(List<HeaderField> headers) {
        Map<String, String> names = new LinkedHashMap<>();
        SIGNED_HEADERS.forEach(name -> names.put(name.toLowerCase(Locale.ROOT), name));
        headers.stream()
            .map(HeaderField::name)
            .filter(name -> name.toLowerCase(Locale.ROOT).startsWith(LIST_PREFIX))
            .forEach(name -> names.putIfAbsent(name.toLowerCase(Locale.ROOT), name));

        List<String> signed = new ArrayList<>();
        names.forEach((lower, name) -> {
            long count = headers.stream().filter(field -> field.hasName(lower)).count();
            long listed = lower.equals("from") ? count + 1 : count;
            for (long i = 0; i < listed; i++) {
                signed.add(name);
            }
        });
        return signed;
    }

    private static byte[] signedData(List<HeaderField> headers, List<String> signedNames, HeaderField signatureField) {
        StringBuilder data = new StringBuilder();
        Map<String, Integer> used = new LinkedHashMap<>();
        for (String name : signedNames) {
            String lower = name.toLowerCase(Locale.ROOT);
            int alreadyUsed = used.merge(lower, 1, Integer::sum) - 1;
            List<HeaderField> instances = headers.stream().filter(field -> field.hasName(lower)).toList();
            int index = instances.size() - 1 - alreadyUsed;
            if (index >= 0) {
                data.append(instances.get(index).relaxed()).append("\r\n");
            }
        }
        data.append(signatureField.relaxed());
        // Header bytes were read as ISO-8859-1, so this gives back exactly the bytes of the message.
        return data.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Tags of a DKIM-Signature value: {@code d=example.com; s=sel} gives {d=example.com, s=sel}. */
    static Map<String, String> tags(String value) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (String tag : FOLDING.matcher(value).replaceAll("").split(";")) {
            int equals = tag.indexOf('=');
            if (equals > 0) {
                tags.putIfAbsent(tag.substring(0, equals).strip().toLowerCase(Locale.ROOT),
                    WHITESPACE.matcher(tag.substring(equals + 1)).replaceAll(""));
            }
        }
        return tags;
    }

    /** Builds a header field, folding before a piece that would make the line too long. */
    private static final class FoldedField {
        private final StringBuilder text;
        private int lineLength;

        FoldedField(String start) {
            this.text = new StringBuilder(start);
            this.lineLength = start.length();
        }

        /** A piece starting with a space may be folded there; others are glued or folded with a tab. */
        FoldedField append(String piece) {
            if (lineLength + piece.length() > LINE_LENGTH) {
                String unspaced = piece.startsWith(" ") ? piece.substring(1) : piece;
                text.append("\r\n\t").append(unspaced);
                lineLength = 1 + unspaced.length();
            } else {
                text.append(piece);
                lineLength += piece.length();
            }
            return this;
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }

    /**
     * Receives the serialized message: keeps the header section (small), streams the body into its
     * hash (possibly large).
     */
    private static final class HeaderBodySplitter extends OutputStream {
        private final ByteArrayOutputStream headerSection = new ByteArrayOutputStream();
        private final RelaxedBodyHash body = new RelaxedBodyHash();
        private boolean inBody;
        private int currentLineLength;

        @Override
        public void write(int b) {
            if (inBody) {
                body.write(b);
                return;
            }
            if (b == '\n') {
                if (currentLineLength == 0) {
                    inBody = true;
                    return;
                }
                currentLineLength = 0;
            } else if (b != '\r') {
                currentLineLength++;
            }
            headerSection.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            int i = offset;
            while (i < offset + length && !inBody) {
                write(bytes[i++] & 0xFF);
            }
            if (i < offset + length) {
                body.write(bytes, i, offset + length - i);
            }
        }

        SignableMessage finish() throws UnsignableMessageException {
            return new SignableMessage(parseHeaders(headerSection.toString(StandardCharsets.ISO_8859_1)), body.hash());
        }

        private static List<HeaderField> parseHeaders(String section) throws UnsignableMessageException {
            List<HeaderField> fields = new ArrayList<>();
            String[] lines = FOLDING.split(section);
            StringBuilder current = null;
            for (String line : lines) {
                if (line.isEmpty()) {
                    continue;
                }
                if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                    if (current == null) {
                        throw new UnsignableMessageException("the header section starts with a continuation line");
                    }
                    current.append("\r\n").append(line);
                    continue;
                }
                if (current != null) {
                    fields.add(field(current.toString()));
                }
                current = new StringBuilder(line);
            }
            if (current != null) {
                fields.add(field(current.toString()));
            }
            return List.copyOf(fields);
        }

        private static HeaderField field(String text) throws UnsignableMessageException {
            int colon = text.indexOf(':');
            if (colon <= 0) {
                throw new UnsignableMessageException("a header line has no field name and colon: '"
                    + text.substring(0, Math.min(text.length(), 40)) + "'");
            }
            String name = text.substring(0, colon).replaceAll("[ \t]+$", "");
            if (name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127)) {
                throw new UnsignableMessageException("a header field name is not printable ASCII: '" + name + "'");
            }
            return new HeaderField(name, text);
        }
    }
}
