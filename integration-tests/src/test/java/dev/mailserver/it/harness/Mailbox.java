package dev.mailserver.it.harness;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import jakarta.mail.Address;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;

/**
 * A user's INBOX read the way a mail client reads it, with Jakarta Mail over IMAP or POP3 on real
 * sockets. TLS trusts any certificate (self-signed at first start); on the plain-text ports STARTTLS
 * is required, so a server that does not offer it fails the read.
 */
public final class Mailbox {
    /** A delivered message, reduced to what the tests check; the body has LF line ends. */
    public record ReceivedMessage(String subject, List<String> from, List<String> to, String body) {
    }

    private final String protocol;
    private final int port;
    private final String user;
    private final String password;
    private final Properties properties = new Properties();

    private Mailbox(String protocol, int port, String user, String password) {
        this.protocol = protocol;
        this.port = port;
        this.user = user;
        this.password = password;
        String prefix = "mail." + protocol + ".";
        properties.put(prefix + "connectiontimeout", "10000");
        properties.put(prefix + "timeout", "30000");
        properties.put(prefix + "ssl.trust", "*");
        // The self-signed certificate names the server's host, not 127.0.0.1; trust is already "any".
        properties.put(prefix + "ssl.checkserveridentity", "false");
    }

    /** IMAP on the plain port, upgraded with STARTTLS before logging in (143). */
    public static Mailbox imapWithStartTls(int port, String user, String password) {
        Mailbox mailbox = new Mailbox("imap", port, user, password);
        mailbox.properties.put("mail.imap.starttls.enable", "true");
        mailbox.properties.put("mail.imap.starttls.required", "true");
        return mailbox;
    }

    /** IMAP over implicit TLS (993). */
    public static Mailbox imaps(int port, String user, String password) {
        return new Mailbox("imaps", port, user, password);
    }

    /** POP3 on the plain port, upgraded with STLS before logging in (110). */
    public static Mailbox pop3WithStartTls(int port, String user, String password) {
        Mailbox mailbox = new Mailbox("pop3", port, user, password);
        mailbox.properties.put("mail.pop3.starttls.enable", "true");
        mailbox.properties.put("mail.pop3.starttls.required", "true");
        return mailbox;
    }

    /** POP3 over implicit TLS (995). */
    public static Mailbox pop3s(int port, String user, String password) {
        return new Mailbox("pop3s", port, user, password);
    }

    /** The messages now in INBOX. */
    public List<ReceivedMessage> messages() throws MessagingException, IOException {
        Store store = Session.getInstance(properties).getStore(protocol);
        store.connect("127.0.0.1", port, user, password);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            try {
                List<ReceivedMessage> messages = new ArrayList<>();
                for (Message message : inbox.getMessages()) {
                    messages.add(new ReceivedMessage(message.getSubject(), addresses(message.getFrom()),
                        addresses(message.getRecipients(Message.RecipientType.TO)), bodyText(message)));
                }
                return messages;
            } finally {
                inbox.close(false);
            }
        } finally {
            store.close();
        }
    }

    /** The messages now in INBOX exactly as the server gives them (RFC 5322 bytes), for tests that parse MIME. */
    public List<byte[]> rawMessages() throws MessagingException, IOException {
        Store store = Session.getInstance(properties).getStore(protocol);
        store.connect("127.0.0.1", port, user, password);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            try {
                List<byte[]> messages = new ArrayList<>();
                for (Message message : inbox.getMessages()) {
                    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                    message.writeTo(bytes);
                    messages.add(bytes.toByteArray());
                }
                return messages;
            } finally {
                inbox.close(false);
            }
        } finally {
            store.close();
        }
    }

    /**
     * Waits until a message with this subject is in INBOX: delivery after the 250 is asynchronous
     * (mail queue, then the mailet pipeline). Fails with the last state seen when it does not come.
     */
    public ReceivedMessage awaitMessage(String subject, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String lastSeen = "nothing read yet";
        do {
            try {
                List<ReceivedMessage> messages = messages();
                Optional<ReceivedMessage> found = messages.stream().filter(m -> subject.equals(m.subject())).findFirst();
                if (found.isPresent()) {
                    return found.get();
                }
                lastSeen = "INBOX subjects: " + messages.stream().map(ReceivedMessage::subject).toList();
            } catch (MessagingException | IOException e) {
                lastSeen = e.toString();
            }
            MailServer.sleep(Duration.ofMillis(500));
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("No message '" + subject + "' in " + user + "'s INBOX over " + protocol + " port " + port
            + " within " + timeout.toSeconds() + " s; last read: " + lastSeen);
    }

    /**
     * Waits for a message with this subject and returns it byte for byte as the server stores it
     * (IMAP {@code BODY.PEEK[]}), for checks such as DKIM signatures that depend on every byte.
     */
    public byte[] awaitRawMessage(String subject, Duration timeout) {
        awaitMessage(subject, timeout);
        try {
            Store store = Session.getInstance(properties).getStore(protocol);
            store.connect("127.0.0.1", port, user, password);
            try {
                Folder inbox = store.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                try {
                    for (Message message : inbox.getMessages()) {
                        if (subject.equals(message.getSubject())) {
                            java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
                            message.writeTo(raw);
                            return raw.toByteArray();
                        }
                    }
                    throw new AssertionError("Message '" + subject + "' vanished from " + user + "'s INBOX");
                } finally {
                    inbox.close(false);
                }
            } finally {
                store.close();
            }
        } catch (MessagingException | IOException e) {
            throw new AssertionError("Cannot read message '" + subject + "' of " + user + " over " + protocol, e);
        }
    }

    /** The text of a text/plain message, with line ends as LF whatever the protocol delivered. */
    private static String bodyText(Message message) throws MessagingException, IOException {
        return String.valueOf(message.getContent()).replace("\r\n", "\n").strip();
    }

    private static List<String> addresses(Address[] addresses) {
        return addresses == null ? List.of() : Arrays.stream(addresses).map(Address::toString).toList();
    }
}
