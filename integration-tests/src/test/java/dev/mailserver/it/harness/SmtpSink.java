package dev.mailserver.it.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A remote SMTP server on loopback for the mail server to deliver to: it answers RCPT TO with 250 unless
 * told otherwise for that recipient ({@link #answer}, changeable while the test runs) and keeps what it
 * received, byte for byte (dot-unstuffed, CRLF line ends), so that tests can verify signatures of what
 * was relayed. Plain SMTP, no extensions but 8BITMIME: enough for James's SMTP client. Point remote
 * delivery's gateway at it.
 */
public final class SmtpSink implements AutoCloseable {
    /** One RCPT TO and the reply it got. */
    public record Attempt(String mailFrom, String recipient, String reply) {
    }

    /** One message accepted at the end of DATA: its envelope and its exact bytes. */
    public record Delivery(String mailFrom, List<String> recipients, byte[] data) {
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private static final String ACCEPT = "250 2.1.5 Ok";

    private final ServerSocket server;
    private final Map<String, String> replies = new ConcurrentHashMap<>();
    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    public static SmtpSink start() {
        return new SmtpSink();
    }

    public SmtpSink() {
        try {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::acceptConnections, "smtp-sink-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** From now on, RCPT TO this recipient gets this reply, e.g. {@code "550 5.1.1 User unknown"}. */
    public SmtpSink answer(String recipient, String reply) {
        replies.put(recipient.toLowerCase(Locale.ROOT), reply);
        return this;
    }

    /** From now on, RCPT TO this recipient gets 250. */
    public SmtpSink accept(String recipient) {
        replies.remove(recipient.toLowerCase(Locale.ROOT));
        return this;
    }

    public List<Attempt> attemptsFor(String recipient) {
        return attempts.stream().filter(attempt -> attempt.recipient().equalsIgnoreCase(recipient)).toList();
    }

    public List<Delivery> deliveriesTo(String recipient) {
        return deliveries.stream()
            .filter(delivery -> delivery.recipients().stream().anyMatch(recipient::equalsIgnoreCase))
            .toList();
    }

    /** Waits for a message whose text contains {@code text}; fails the test after {@code timeout}. */
    public Delivery awaitMessageContaining(String text, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        do {
            for (Delivery delivery : deliveries) {
                if (delivery.text().contains(text)) {
                    return delivery;
                }
            }
            MailServer.sleep(Duration.ofMillis(200));
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("The SMTP sink on port " + port() + " received no message containing '" + text
            + "' within " + timeout.toSeconds() + " s; it received " + deliveries.size() + " message(s)");
    }

    private void acceptConnections() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                Thread session = new Thread(() -> serve(socket), "smtp-sink-session");
                session.setDaemon(true);
                session.start();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("[sink] accept failed: " + e);
                }
            }
        }
    }

    private void serve(Socket socket) {
        try (socket;
             BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
             OutputStream out = socket.getOutputStream()) {
            socket.setSoTimeout(60_000);
            send(out, "220 sink.test ESMTP test sink");
            String mailFrom = null;
            List<String> accepted = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
                String command = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line.toUpperCase(Locale.ROOT);
                switch (command) {
                    case "EHLO" -> send(out, "250-sink.test\r\n250 8BITMIME");
                    case "HELO", "NOOP" -> send(out, "250 2.0.0 Ok");
                    case "RSET" -> {
                        mailFrom = null;
                        accepted.clear();
                        send(out, "250 2.0.0 Ok");
                    }
                    case "MAIL" -> {
                        mailFrom = address(line);
                        accepted.clear();
                        send(out, "250 2.1.0 Ok");
                    }
                    case "RCPT" -> {
                        String recipient = address(line);
                        String reply = replies.getOrDefault(recipient.toLowerCase(Locale.ROOT), ACCEPT);
                        attempts.add(new Attempt(mailFrom, recipient, reply));
                        if (reply.startsWith("2")) {
                            accepted.add(recipient);
                        }
                        send(out, reply);
                    }
                    case "DATA" -> {
                        if (accepted.isEmpty()) {
                            send(out, "554 5.5.1 No valid recipients");
                            continue;
                        }
                        send(out, "354 End data with <CR><LF>.<CR><LF>");
                        // Read as ISO-8859-1 (one char per byte) so the bytes come back unchanged.
                        StringBuilder data = new StringBuilder();
                        String dataLine;
                        while ((dataLine = in.readLine()) != null && !dataLine.equals(".")) {
                            data.append(dataLine.startsWith("..") ? dataLine.substring(1) : dataLine).append("\r\n");
                        }
                        deliveries.add(new Delivery(mailFrom, List.copyOf(accepted), data.toString().getBytes(StandardCharsets.ISO_8859_1)));
                        accepted.clear();
                        send(out, "250 2.0.0 Ok: queued");
                    }
                    case "QUIT" -> {
                        send(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> send(out, "502 5.5.2 Command not recognized");
                }
            }
        } catch (SocketException e) {
            // the client hung up
        } catch (IOException e) {
            System.err.println("[sink] session failed: " + e);
        }
    }

    /** The address between angle brackets of {@code MAIL FROM:<a@b> ...} or {@code RCPT TO:<a@b> ...}. */
    private static String address(String line) {
        int open = line.indexOf('<');
        int close = line.indexOf('>', open + 1);
        return open >= 0 && close > open ? line.substring(open + 1, close) : "";
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
