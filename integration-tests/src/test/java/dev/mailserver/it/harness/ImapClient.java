package dev.mailserver.it.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A bare IMAP client on a real socket: the commands are written as a user would type them in a
 * telnet session, so a test controls every byte of SEARCH, including literals in another charset.
 * STARTTLS (trusting the self-signed certificate) then LOGIN, as the server requires.
 */
public final class ImapClient implements AutoCloseable {
    /** A tagged answer other than OK. */
    public static final class ImapFailure extends RuntimeException {
        ImapFailure(String command, List<String> lines) {
            super(command + " answered: " + String.join(" | ", lines));
        }
    }

    private Socket socket;
    private BufferedReader in;
    private OutputStream out;
    private int tag;

    private ImapClient(Socket socket) throws IOException {
        use(socket);
    }

    private void use(Socket socket) throws IOException {
        this.socket = socket;
        this.socket.setSoTimeout(60_000);
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        this.out = socket.getOutputStream();
    }

    public static ImapClient login(int port, String user, String password) {
        try {
            Socket plain = new Socket();
            plain.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            ImapClient client = new ImapClient(plain);
            String greeting = client.in.readLine();
            if (greeting == null || !greeting.startsWith("* OK")) {
                throw new IllegalStateException("IMAP greeting: " + greeting);
            }
            client.command("STARTTLS");
            SSLSocket tls = (SSLSocket) trustAll().getSocketFactory().createSocket(plain, "127.0.0.1", port, true);
            tls.startHandshake();
            client.use(tls);
            client.command("LOGIN " + quote(user) + " " + quote(password));
            return client;
        } catch (IOException e) {
            throw new UncheckedIOException("IMAP connection to port " + port + " failed", e);
        }
    }

    /** How long to wait for each answer; SELECT of a very large mailbox may need more than the default minute. */
    public ImapClient withTimeout(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** SELECT; returns the number of messages (EXISTS). */
    public int select(String mailbox) {
        for (String line : command("SELECT " + quote(mailbox))) {
            if (line.startsWith("* ") && line.endsWith(" EXISTS")) {
                return Integer.parseInt(line.substring(2, line.length() - " EXISTS".length()));
            }
        }
        throw new IllegalStateException("SELECT " + mailbox + " reported no EXISTS");
    }

    public void create(String mailbox) {
        command("CREATE " + quote(mailbox));
    }

    /** APPEND with flags such as {@code (\Seen)} and an internal date such as {@code 01-Mar-2024 10:00:00 +0000}. */
    public void append(String mailbox, String flags, String internalDate, String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        commandWithLiteral("APPEND " + quote(mailbox) + " " + flags + " \"" + internalDate + "\"", bytes, "");
    }

    /** UID SEARCH with ASCII criteria; the matching UIDs in ascending order. */
    public List<Long> uidSearch(String criteria) {
        return uids(command("UID SEARCH " + criteria));
    }

    /**
     * UID SEARCH CHARSET {charset} {keys} {value as a literal in that charset} {rest}: how a client sends
     * a non-ASCII search string.
     */
    public List<Long> uidSearch(Charset charset, String keys, String value, String rest) {
        return uids(commandWithLiteral("UID SEARCH CHARSET " + charset.name() + " " + keys, value.getBytes(charset),
            rest.isEmpty() ? "" : " " + rest));
    }

    public void uidStore(long uid, String change) {
        command("UID STORE " + uid + " " + change);
    }

    public void expunge() {
        command("EXPUNGE");
    }

    private static List<Long> uids(List<String> lines) {
        TreeSet<Long> uids = new TreeSet<>();
        for (String line : lines) {
            if (line.startsWith("* SEARCH")) {
                Arrays.stream(line.substring("* SEARCH".length()).trim().split(" "))
                    .filter(token -> !token.isEmpty())
                    .map(Long::parseLong)
                    .forEach(uids::add);
            }
        }
        return new ArrayList<>(uids);
    }

    /** Sends one command; returns every line up to and including the tagged OK. */
    public synchronized List<String> command(String command) {
        try {
            String commandTag = nextTag();
            out.write((commandTag + " " + command + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return readUntilTagged(commandTag, command);
        } catch (IOException e) {
            throw new UncheckedIOException(command + " failed", e);
        }
    }

    private synchronized List<String> commandWithLiteral(String beforeLiteral, byte[] literal, String afterLiteral) {
        try {
            String commandTag = nextTag();
            out.write((commandTag + " " + beforeLiteral + " {" + literal.length + "}\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String continuation = in.readLine();
            if (continuation == null || !continuation.startsWith("+")) {
                throw new ImapFailure(beforeLiteral, List.of(String.valueOf(continuation)));
            }
            out.write(literal);
            out.write((afterLiteral + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return readUntilTagged(commandTag, beforeLiteral);
        } catch (IOException e) {
            throw new UncheckedIOException(beforeLiteral + " failed", e);
        }
    }

    private List<String> readUntilTagged(String commandTag, String command) throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed during " + command + " after " + lines);
            }
            lines.add(line);
            if (line.startsWith(commandTag + " ")) {
                if (!line.startsWith(commandTag + " OK")) {
                    throw new ImapFailure(command, lines);
                }
                return lines;
            }
        }
    }

    private String nextTag() {
        return "T" + (++tag);
    }

    private static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static SSLContext trustAll() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            command("LOGOUT");
        } catch (RuntimeException e) {
            // already gone
        }
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }
}
