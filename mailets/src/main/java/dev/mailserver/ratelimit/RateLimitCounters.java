package dev.mailserver.ratelimit;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The usage counters of every key, shared by all nodes. One counter per (key, window, bucket); a counter
 * outlives its window by {@link #EXPIRY_MARGIN} and then disappears on its own.
 */
public interface RateLimitCounters {
    /** Kept a little past the window's end, so that a clock a few seconds ahead still reads it. */
    Duration EXPIRY_MARGIN = Duration.ofMinutes(1);

    /** One counter: {@code key} as in {@link RateLimitKey#asString()}. */
    record CounterId(String key, RateLimitWindow window, long bucket) {
        public static CounterId of(String key, RateLimitWindow window, Instant now) {
            return new CounterId(key, window, window.bucket(now));
        }

        public Instant resetsAt() {
            return window.bucketEnd(bucket);
        }

        /** Time to live of a write made at {@code now}: until the window ends, plus the margin. */
        public Duration ttl(Instant now) {
            Duration left = Duration.between(now, resetsAt());
            return (left.isNegative() ? Duration.ZERO : left).plus(EXPIRY_MARGIN);
        }
    }

    /** The current value, {@link Usage#NONE} for a counter never written or expired. */
    Usage usage(CounterId counter);

    /**
     * Atomically adds {@code delta} if no bound of {@code limits} would be exceeded afterwards (a bound of N
     * allows reaching exactly N); otherwise changes nothing. Concurrent calls on any node never together
     * go past a bound.
     *
     * @return whether {@code delta} was added
     * @throws RuntimeException when the store cannot be reached: the caller decides whether to fail open or closed
     */
    boolean tryAdd(CounterId counter, Usage delta, Map<RateLimitMetric, Long> limits, Instant now);

    /** Takes back what {@link #tryAdd} added, when another counter of the same message refused it. */
    void subtract(CounterId counter, Usage delta, Instant now);

    static boolean withinLimits(Usage usage, Map<RateLimitMetric, Long> limits) {
        return limits.entrySet().stream().allMatch(limit -> limit.getKey().of(usage) <= limit.getValue());
    }
}
