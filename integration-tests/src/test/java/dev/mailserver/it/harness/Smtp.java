package dev.mailserver.it.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.security.GeneralSecurityException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;

import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient.AUTH_METHOD;
import org.apache.commons.net.smtp.SMTPReply;
import org.apache.commons.net.util.TrustManagerUtils;

/**
 * SMTP on real sockets with commons-net, so tests see the server's exact reply lines. TLS trusts any
 * certificate: the server generates a self-signed one at first start.
 */
public final class Smtp {
    public static final String CLIENT_NAME = "client.it.test";

    private Smtp() {
    }

    /** Plain-text connection; asserts the 220 greeting and says EHLO. */
    public static AuthenticatingSMTPClient connect(int port) {
        return open(port, false);
    }

    /** Implicit TLS from the first byte (port 465); asserts the 220 greeting and says EHLO. */
    public static AuthenticatingSMTPClient connectImplicitTls(int port) {
        return open(port, true);
    }

    private static AuthenticatingSMTPClient open(int port, boolean implicitTls) {
        AuthenticatingSMTPClient client = new AuthenticatingSMTPClient("TLS", implicitTls);
        client.setTrustManager(TrustManagerUtils.getAcceptAllTrustManager());
        client.setDefaultTimeout(30_000);
        client.setConnectTimeout(10_000);
        try {
            client.connect("127.0.0.1", port);
            client.setSoTimeout(60_000);
            assertThat(client.getReplyCode()).as("greeting on port %d: %s", port, reply(client)).isEqualTo(220);
            assertThat(client.ehlo(CLIENT_NAME)).as("EHLO answered %s", reply(client)).isEqualTo(250);
        } catch (IOException e) {
            throw new UncheckedIOException("SMTP connection to port " + port + " failed", e);
        }
        return client;
    }

    /** STARTTLS, then EHLO again as RFC 3207 requires. */
    public static void startTls(AuthenticatingSMTPClient client) {
        try {
            assertThat(client.execTLS()).as("STARTTLS answered %s", reply(client)).isTrue();
            assertThat(client.ehlo(CLIENT_NAME)).as("EHLO after STARTTLS answered %s", reply(client)).isEqualTo(250);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends AUTH with the given mechanism; true when the server answered 235. */
    public static boolean authenticate(AuthenticatingSMTPClient client, AUTH_METHOD method, String user, String password) {
        try {
            return client.auth(method, user, password);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A submission session as a mail client opens it: connect, STARTTLS, AUTH, asserting each step. */
    public static AuthenticatingSMTPClient submission(int port, AUTH_METHOD method, String user, String password) {
        AuthenticatingSMTPClient client = connect(port);
        startTls(client);
        assertThat(authenticate(client, method, user, password))
            .as("AUTH %s as %s answered %s", method, user, reply(client)).isTrue();
        return client;
    }

    /** The last reply, all lines, without the trailing line break. */
    public static String reply(AuthenticatingSMTPClient client) {
        String reply = client.getReplyString();
        return reply == null ? "" : reply.strip();
    }

    /** The EHLO keywords of the last EHLO reply, e.g. "STARTTLS", "AUTH LOGIN PLAIN", "SIZE 1024". */
    public static List<String> ehloKeywords(AuthenticatingSMTPClient client) {
        return java.util.Arrays.stream(client.getReplyStrings())
            .skip(1)
            .map(line -> line.substring(4).strip())
            .toList();
    }

    public static int command(AuthenticatingSMTPClient client, String line) {
        try {
            return client.sendCommand(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** MAIL FROM, RCPT TO, DATA with a small message; asserts every step up to the final 250. */
    public static void send(AuthenticatingSMTPClient client, String from, String to, String subject, String body) {
        assertThat(command(client, "MAIL FROM:<" + from + ">")).as("MAIL FROM answered %s", reply(client)).isEqualTo(250);
        assertThat(command(client, "RCPT TO:<" + to + ">")).as("RCPT TO:<%s> answered %s", to, reply(client)).isEqualTo(250);
        assertThat(data(client, message(from, to, subject, body)))
            .as("end of DATA answered %s", reply(client)).isEqualTo(250);
    }

    /** DATA with the given message text; returns the reply code after the final dot (or to DATA if refused). */
    public static int data(AuthenticatingSMTPClient client, String message) {
        try {
            Writer writer = client.sendMessageData();
            if (writer == null) {
                return client.getReplyCode();
            }
            writer.write(message);
            writer.close();
            client.completePendingCommand();
            return client.getReplyCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An RFC 5322 message with the usual headers. */
    public static String message(String from, String to, String subject, String body) {
        return "From: <" + from + ">\r\n"
            + "To: <" + to + ">\r\n"
            + "Subject: " + subject + "\r\n"
            + "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now()) + "\r\n"
            + "Message-ID: <" + UUID.randomUUID() + "@" + CLIENT_NAME + ">\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=UTF-8\r\n"
            + "\r\n"
            + body + "\r\n";
    }

    /** QUIT and close, ignoring a server that already hung up. */
    public static void quit(AuthenticatingSMTPClient client) {
        try {
            if (client.isConnected()) {
                client.quit();
            }
        } catch (IOException e) {
            // already closed by the server: nothing left to release but the socket
        } finally {
            try {
                client.disconnect();
            } catch (IOException ignored) {
                // closing a dead socket
            }
        }
    }

    /** True for any 5xx reply code. */
    public static boolean isPermanentFailure(int code) {
        return SMTPReply.isNegativePermanent(code);
    }
}
