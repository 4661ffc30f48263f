package dev.mailserver.ratelimit;

import java.util.Arrays;
import java.util.Optional;

/** What a limit counts. */
public enum RateLimitMetric {
    MESSAGES("messages"),
    RECIPIENTS("recipients"),
    BYTES("bytes");

    private final String jsonName;

    RateLimitMetric(String jsonName) {
        this.jsonName = jsonName;
    }

    public String jsonName() {
        return jsonName;
    }

    public long of(Usage usage) {
        return switch (this) {
            case MESSAGES -> usage.messages();
            case RECIPIENTS -> usage.recipients();
            case BYTES -> usage.bytes();
        };
    }

    public static Optional<RateLimitMetric> fromJsonName(String name) {
        return Arrays.stream(values()).filter(metric -> metric.jsonName.equals(name)).findFirst();
    }
}
