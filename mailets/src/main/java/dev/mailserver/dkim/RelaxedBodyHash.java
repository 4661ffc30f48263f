package dev.mailserver.dkim;

import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 of a message body in "relaxed" canonical form (RFC 6376 section 3.4.4), computed while the
 * body streams through, so that a large message is never held in memory:
 * whitespace runs become one space, whitespace at line ends goes, empty lines at the end go, and a
 * non-empty body ends with exactly one CRLF.
 *
 * <p>A bare LF or bare CR counts as a line end, as it becomes CRLF on the wire (SMTP DATA).
 */
final class RelaxedBodyHash extends OutputStream {
    private final MessageDigest digest;
    private final byte[] buffer = new byte[8192];
    private int buffered;
    private boolean pendingCarriageReturn;
    private boolean pendingSpace;
    private long pendingLineEnds;
    private boolean anyContent;
    private byte[] hash;

    RelaxedBodyHash() {
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JDK has SHA-256", e);
        }
    }

    @Override
    public void write(int b) {
        if (pendingCarriageReturn) {
            pendingCarriageReturn = false;
            lineEnd();
            if (b == '\n') {
                return;
            }
        }
        switch (b) {
            case '\r' -> pendingCarriageReturn = true;
            case '\n' -> lineEnd();
            case ' ', '\t' -> pendingSpace = true;
            default -> content(b);
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            write(bytes[i] & 0xFF);
        }
    }

    private void lineEnd() {
        pendingSpace = false;
        pendingLineEnds++;
    }

    private void content(int b) {
        // Line ends are only written once content follows them: that drops the empty lines at the end.
        for (; pendingLineEnds > 0; pendingLineEnds--) {
            emit('\r');
            emit('\n');
        }
        anyContent = true;
        if (pendingSpace) {
            emit(' ');
            pendingSpace = false;
        }
        emit(b);
    }

    private void emit(int b) {
        if (buffered == buffer.length) {
            digest.update(buffer, 0, buffered);
            buffered = 0;
        }
        buffer[buffered++] = (byte) b;
    }

    /** The hash; no more bytes may be written afterwards. */
    byte[] hash() {
        if (hash == null) {
            if (pendingCarriageReturn) {
                pendingCarriageReturn = false;
                lineEnd();
            }
            if (anyContent) {
                emit('\r');
                emit('\n');
            }
            digest.update(buffer, 0, buffered);
            hash = digest.digest();
        }
        return hash.clone();
    }
}
