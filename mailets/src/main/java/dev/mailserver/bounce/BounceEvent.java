package dev.mailserver.bounce;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import org.apache.james.core.MailAddress;

/**
 * One bounce of one recipient, as recorded for {@code GET /bounces/events} and for counting soft bounces.
 *
 * @param recipient  the address that bounced
 * @param at         when we learnt of it
 * @param kind       hard (5.x.x) or soft (4.x.x)
 * @param status     the enhanced status code
 * @param diagnostic the remote server's reply, when known
 * @param remoteMta  the server that gave it, when known
 * @param source     how we learnt of it: {@code delivery} (our own delivery attempt), {@code verp} (a bounce
 *                   to a VERP address) or {@code dsn} (a delivery report addressed to a user)
 */
public record BounceEvent(MailAddress recipient, Instant at, Kind kind, String status, Optional<String> diagnostic,
                          Optional<String> remoteMta, String source) {
    public enum Kind {
        HARD, SOFT;

        public static Kind of(String status) {
            return status.startsWith("5") ? HARD : SOFT;
        }
    }

    public BounceEvent {
        Objects.requireNonNull(recipient);
        Objects.requireNonNull(at);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(status);
        Objects.requireNonNull(diagnostic);
        Objects.requireNonNull(remoteMta);
        Objects.requireNonNull(source);
    }
}
