package dev.mailserver.bounce;

import java.time.Instant;
import java.util.Objects;

import org.apache.james.core.MailAddress;

/**
 * An address we no longer send to.
 *
 * @param address  the suppressed recipient
 * @param status   the enhanced status code that got it suppressed ({@code 5.1.1}), or {@code manual}
 * @param reason   a sentence for humans: the remote server's reply, or what the admin wrote
 * @param since    when it was suppressed
 */
public record Suppression(MailAddress address, String status, String reason, Instant since) {
    public static final String MANUAL = "manual";

    public Suppression {
        Objects.requireNonNull(address);
        Objects.requireNonNull(status);
        Objects.requireNonNull(reason);
        Objects.requireNonNull(since);
    }
}
