package dev.mailserver.ratelimit;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/**
 * A fixed time window: counters restart at every multiple of the window's length since the epoch (UTC),
 * so every node of the cluster agrees on the current bucket without talking to the others.
 * Fixed windows let a client send up to twice a limit across a boundary (N at 10:00:59, N at 10:01:00);
 * that is the price of one counter row per window instead of one per message.
 */
public enum RateLimitWindow {
    MINUTE("perMinute", "minute", Duration.ofMinutes(1)),
    HOUR("perHour", "hour", Duration.ofHours(1)),
    DAY("perDay", "day", Duration.ofDays(1));

    private final String jsonName;
    private final String unit;
    private final Duration length;

    RateLimitWindow(String jsonName, String unit, Duration length) {
        this.jsonName = jsonName;
        this.unit = unit;
        this.length = length;
    }

    /** {@code perMinute}, {@code perHour}, {@code perDay}: the name in JSON bodies and configuration keys. */
    public String jsonName() {
        return jsonName;
    }

    public String unit() {
        return unit;
    }

    public Duration length() {
        return length;
    }

    public long bucket(Instant now) {
        return Math.floorDiv(now.getEpochSecond(), length.toSeconds());
    }

    public Instant bucketEnd(long bucket) {
        return Instant.ofEpochSecond((bucket + 1) * length.toSeconds());
    }

    public static Optional<RateLimitWindow> fromJsonName(String name) {
        return Arrays.stream(values()).filter(window -> window.jsonName.equals(name)).findFirst();
    }
}
