package dev.mailserver.it.harness;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A remote mail server as small as it gets: accepts every message on a loopback port and keeps its
 * bytes exactly as received (dot-unstuffed), so tests can check what our server relays. It speaks
 * ESMTP with 8BITMIME and nothing else (no TLS, no AUTH). Point RemoteDelivery's {@code <gateway>} at it.
 */
public final class SmtpSink implements AutoCloseable {
    /** One message as received: envelope and the DATA bytes with CRLF line ends. */
    public record Received(String mailFrom, List<String> rcptTo, byte[] data) {
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private final ServerSocket serverSocket;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private SmtpSink(ServerSocket serverSocket) {
        this.serverSocket = serverSocket;
        this.acceptor = new Thread(this::acceptLoop, "smtp-sink-" + serverSocket.getLocalPort());
        this.acceptor.setDaemon(true);
    }

    public static SmtpSink start() {
        try {
            SmtpSink sink = new SmtpSink(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
            sink.acceptor.start();
            return sink;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    /** Waits for a message whose bytes contain the text (a unique subject, say). */
    public Received awaitMessageContaining(String text, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        do {
            for (Received message : received) {
                if (message.text().contains(text)) {
                    return message;
                }
            }
            MailServer.sleep(Duration.ofMillis(200));
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("The SMTP sink on port " + port() + " received no message containing '" + text
            + "' within " + timeout.toSeconds() + " s; it received " + received.size() + " message(s)");
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            try {
                Socket socket = serverSocket.accept();
                Thread session = new Thread(() -> serve(socket), "smtp-sink-session");
                session.setDaemon(true);
                session.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            socket.setSoTimeout(60_000);
            reply(out, "220 sink.remote.test ESMTP test sink");
            String mailFrom = null;
            List<String> rcptTo = new CopyOnWriteArrayList<>();
            String line;
            while ((line = readLine(in)) != null) {
                String command = line.toUpperCase(Locale.ROOT);
                if (command.startsWith("EHLO")) {
                    reply(out, "250-sink.remote.test\r\n250-8BITMIME\r\n250 SIZE 52428800");
                } else if (command.startsWith("HELO")) {
                    reply(out, "250 sink.remote.test");
                } else if (command.startsWith("MAIL FROM:")) {
                    mailFrom = line.substring("MAIL FROM:".length()).trim();
                    rcptTo.clear();
                    reply(out, "250 2.1.0 Ok");
                } else if (command.startsWith("RCPT TO:")) {
                    rcptTo.add(line.substring("RCPT TO:".length()).trim());
                    reply(out, "250 2.1.5 Ok");
                } else if (command.equals("DATA")) {
                    reply(out, "354 End data with <CR><LF>.<CR><LF>");
                    received.add(new Received(mailFrom, List.copyOf(rcptTo), readData(in)));
                    reply(out, "250 2.0.0 Ok: queued");
                } else if (command.equals("QUIT")) {
                    reply(out, "221 2.0.0 Bye");
                    return;
                } else {
                    reply(out, "250 2.0.0 Ok");
                }
            }
        } catch (IOException e) {
            // the client went away: nothing to keep
        }
    }

    private static byte[] readData(InputStream in) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        String line;
        while ((line = readLine(in)) != null && !line.equals(".")) {
            String unstuffed = line.startsWith(".") ? line.substring(1) : line;
            data.write(unstuffed.getBytes(StandardCharsets.ISO_8859_1));
            data.write('\r');
            data.write('\n');
        }
        return data.toByteArray();
    }

    /** One line without its CRLF, bytes kept as ISO-8859-1 characters; null at end of stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    private static void reply(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() {
        try {
            serverSocket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
