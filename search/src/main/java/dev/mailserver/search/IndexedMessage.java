package dev.mailserver.search;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.mail.Flags;

import org.apache.james.mailbox.model.MessageAttachmentMetadata;
import org.apache.james.mailbox.store.mail.model.MailboxMessage;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.TextBody;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.dom.field.DateTimeField;
import org.apache.james.mime4j.field.LenientFieldParser;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.util.ByteSequence;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.util.MimeUtil;
import org.jsoup.Jsoup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenSearch document of one message: what SEARCH criteria look at, never the message itself.
 * Field names are those of {@code mailbox-index.json}.
 *
 * <p>Built from whatever can be read: a broken MIME structure, an unknown charset or bad base64 in one
 * part cost that part's text, not the whole message; a message mime4j cannot parse at all is indexed
 * with its raw header lines and its raw body as text.
 */
public final class IndexedMessage {
    private static final Logger LOGGER = LoggerFactory.getLogger(IndexedMessage.class);
    /** Bounds the document of a huge text message; the first few million characters are what people search. */
    static final int MAX_TEXT_CHARS = 4_000_000;
    private static final int MAX_NESTING = 20;
    private static final Set<String> ADDRESS_HEADERS = Set.of("from", "to", "cc", "bcc");

    private IndexedMessage() {
    }

    /** The document id: one document per (mailbox, UID), so a copy in another mailbox is another document. */
    public static String documentId(String mailboxId, long uid) {
        return mailboxId + ":" + uid;
    }

    public static Map<String, Object> of(MailboxMessage message) throws IOException {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("mailbox_id", message.getMailboxId().serialize());
        document.put("uid", message.getUid().asLong());
        document.put("mod_seq", message.getModSeq().asLong());
        document.put("message_id", message.getMessageId().serialize());
        document.put("thread_id", message.getThreadId().serialize());
        document.put("size", message.getFullContentOctets());
        document.put("internal_date", message.getInternalDate().getTime());
        message.getSaveDate().ifPresent(date -> document.put("save_date", date.getTime()));
        document.putAll(flagFields(message.createFlags()));
        document.put("has_attachment", MessageAttachmentMetadata.hasNonInlinedAttachment(message.getAttachments()));

        Content content = new Content();
        try (InputStream in = message.getFullContent()) {
            readMime(in, content);
        } catch (Exception e) {
            LOGGER.warn("Message {} in mailbox {} could not be parsed as MIME ({}); indexing its raw text",
                message.getUid(), message.getMailboxId(), e.toString());
            content = new Content();
            readRaw(message, content);
        }
        content.writeTo(document);
        return document;
    }

    /** The flag fields of a document, also what a flags update rewrites. */
    public static Map<String, Object> flagFields(Flags flags) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("is_answered", flags.contains(Flags.Flag.ANSWERED));
        fields.put("is_deleted", flags.contains(Flags.Flag.DELETED));
        fields.put("is_draft", flags.contains(Flags.Flag.DRAFT));
        fields.put("is_flagged", flags.contains(Flags.Flag.FLAGGED));
        fields.put("is_seen", flags.contains(Flags.Flag.SEEN));
        List<String> userFlags = new ArrayList<>();
        for (String flag : flags.getUserFlags()) {
            userFlags.add(flag.toLowerCase(Locale.ROOT));
        }
        fields.put("user_flags", userFlags);
        return fields;
    }

    private static void readMime(InputStream in, Content content) throws IOException {
        DefaultMessageBuilder builder = new DefaultMessageBuilder();
        builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
        builder.setDecodeMonitor(DecodeMonitor.SILENT);
        builder.setFieldParser(LenientFieldParser.getParser());
        Message mime = builder.parseMessage(in);
        for (Field field : mime.getHeader().getFields()) {
            content.addHeader(field.getName(), rawValue(field));
            if (field instanceof DateTimeField dateField && field.getName().equalsIgnoreCase("Date")
                    && content.sentDate == null) {
                content.sentDate = dateField.getDate();
            }
        }
        readBody(mime, content, 0);
    }

    private static void readBody(Entity entity, Content content, int depth) {
        if (depth > MAX_NESTING) {
            return;
        }
        Body body = entity.getBody();
        Optional<String> fileName = fileName(entity);
        fileName.ifPresent(content.attachmentNames::add);
        if (body instanceof Multipart multipart) {
            for (Entity part : multipart.getBodyParts()) {
                readBody(part, content, depth + 1);
            }
        } else if (body instanceof Message nested) {
            // A forwarded message: its headers are part of the outer message's body text.
            for (Field field : nested.getHeader().getFields()) {
                content.body.append(field.getName()).append(": ").append(decode(rawValue(field))).append('\n');
            }
            readBody(nested, content, depth + 1);
        } else if (body instanceof TextBody text) {
            String value = readText(text, entity.getCharset());
            if ("text/html".equalsIgnoreCase(entity.getMimeType())) {
                value = Jsoup.parse(value).text();
            }
            boolean attachment = fileName.isPresent() || "attachment".equalsIgnoreCase(entity.getDispositionType());
            (attachment ? content.attachmentText : content.body).append(value).append('\n');
        }
    }

    private static Optional<String> fileName(Entity entity) {
        String name = entity.getFilename();
        if (name == null && entity.getHeader() != null
                && entity.getHeader().getField("Content-Type") instanceof ContentTypeField contentType) {
            name = contentType.getParameter("name");
        }
        return Optional.ofNullable(name).map(IndexedMessage::decode).map(String::strip).filter(n -> !n.isEmpty());
    }

    /**
     * The part's text in its declared charset. No charset, or US-ASCII, is read as UTF-8: ASCII is a
     * subset of it and 8-bit text without a declaration is UTF-8 far more often than anything else.
     * Bytes the charset cannot map become U+FFFD, never an error.
     */
    private static String readText(SingleBody text, String declaredCharset) {
        Charset charset = StandardCharsets.UTF_8;
        if (declaredCharset != null && !declaredCharset.equalsIgnoreCase("us-ascii")) {
            try {
                charset = Charset.forName(declaredCharset.strip());
            } catch (RuntimeException e) {
                // Unknown or illegal charset name: UTF-8 is the best guess left.
            }
        }
        try (InputStream in = text.getInputStream()) {
            return new String(in.readNBytes(MAX_TEXT_CHARS), charset);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /**
     * The field's value as written, read as UTF-8 (RFC 6532 allows UTF-8 in headers; mime4j would read
     * those bytes as Latin-1). Bytes that are not UTF-8 are read as Latin-1, as legacy mail intends.
     */
    private static String rawValue(Field field) {
        ByteSequence raw = field.getRaw();
        if (raw == null) {
            return field.getBody();
        }
        byte[] bytes = raw.toByteArray();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            text = new String(bytes, StandardCharsets.ISO_8859_1);
        }
        int colon = text.indexOf(':');
        return colon < 0 ? field.getBody() : text.substring(colon + 1);
    }

    /** The last resort: header lines split by hand, the body as UTF-8 text. */
    private static void readRaw(MailboxMessage message, Content content) {
        try (InputStream headers = message.getHeaderContent(); InputStream body = message.getBodyContent()) {
            String headerText = new String(headers.readAllBytes(), StandardCharsets.UTF_8);
            for (String line : MimeUtil.unfold(headerText).split("\r?\n")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    content.addHeader(line.substring(0, colon).strip(), line.substring(colon + 1));
                }
            }
            content.body.append(new String(body.readNBytes(MAX_TEXT_CHARS), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            LOGGER.warn("Message {} in mailbox {} has no readable content; indexing its metadata only",
                message.getUid(), message.getMailboxId(), e);
        }
    }

    static String decode(String headerValue) {
        String unfolded = MimeUtil.unfold(headerValue == null ? "" : headerValue).strip();
        try {
            return DecoderUtil.decodeEncodedWords(unfolded, DecodeMonitor.SILENT);
        } catch (RuntimeException e) {
            return unfolded;
        }
    }

    /** Accumulates the text fields while the message is read. */
    private static final class Content {
        final Set<String> subject = new LinkedHashSet<>();
        final Map<String, Set<String>> addresses = new LinkedHashMap<>();
        final Set<String> headerLines = new LinkedHashSet<>();
        final StringBuilder headersText = new StringBuilder();
        final StringBuilder body = new StringBuilder();
        final StringBuilder attachmentText = new StringBuilder();
        final Set<String> attachmentNames = new LinkedHashSet<>();
        Date sentDate;

        void addHeader(String name, String rawValue) {
            String lowerName = name.toLowerCase(Locale.ROOT);
            String raw = MimeUtil.unfold(rawValue == null ? "" : rawValue).strip();
            String decoded = decode(raw);
            headersText.append(name).append(": ").append(decoded).append('\n');
            // Both spellings: a client may search for the decoded text or for what is literally there.
            headerLines.add(lowerName + ":" + decoded);
            headerLines.add(lowerName + ":" + raw);
            if (lowerName.equals("subject")) {
                subject.add(decoded);
                subject.add(raw);
            }
            if (ADDRESS_HEADERS.contains(lowerName)) {
                Set<String> values = addresses.computeIfAbsent(lowerName, key -> new LinkedHashSet<>());
                values.add(decoded);
                values.add(raw);
                for (Address address : LenientAddressParser.DEFAULT.parseAddressList(raw)) {
                    if (address instanceof Mailbox mailbox) {
                        addMailbox(values, mailbox);
                    } else if (address instanceof Group group) {
                        group.getMailboxes().forEach(mailbox -> addMailbox(values, mailbox));
                    }
                }
            }
        }

        private static void addMailbox(Set<String> values, Mailbox mailbox) {
            values.add(mailbox.getAddress());
            if (mailbox.getName() != null) {
                values.add(decode(mailbox.getName()) + " <" + mailbox.getAddress() + ">");
            }
        }

        void writeTo(Map<String, Object> document) {
            document.put("subject", List.copyOf(subject));
            for (String header : ADDRESS_HEADERS) {
                document.put(header, List.copyOf(addresses.getOrDefault(header, Set.of())));
            }
            document.put("header_lines", List.copyOf(headerLines));
            document.put("headers_text", truncate(headersText));
            document.put("body_text", truncate(body));
            document.put("attachment_text", truncate(attachmentText));
            document.put("attachment_names", List.copyOf(attachmentNames));
            if (sentDate != null) {
                document.put("sent_date", sentDate.getTime());
            }
        }

        private static String truncate(StringBuilder text) {
            return text.length() > MAX_TEXT_CHARS ? text.substring(0, MAX_TEXT_CHARS) : text.toString();
        }
    }
}
