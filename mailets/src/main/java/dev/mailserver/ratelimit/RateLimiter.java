package dev.mailserver.ratelimit;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import javax.inject.Inject;

import dev.mailserver.ratelimit.RateLimitCounters.CounterId;

/**
 * Checks and records mail against the limits of every key it involves. Used by the SMTP hook (before
 * the reply to RCPT and to the end of DATA) and by the {@link RateLimit} mailet.
 */
public class RateLimiter {
    /** What one message costs one key: a user is charged all recipients, each recipient only itself. */
    public record Charge(RateLimitKey key, Usage usage) {
    }

    /** The first limit a message would exceed, and when its window ends. */
    public record Exceeded(RateLimitKey key, RateLimitWindow window, RateLimitMetric metric, long limit, Instant resetsAt) {
        /** A sentence for the SMTP reply or a log line, e.g. "user a@b.c is limited to 5 messages per minute; ...". */
        public String describe() {
            return key.describe() + " is limited to " + limit + " " + metric.jsonName() + " per " + window.unit()
                + "; the limit resets at " + resetsAt.truncatedTo(ChronoUnit.SECONDS) + " (UTC)";
        }
    }

    private final RateLimitPolicy policy;
    private final RateLimitCounters counters;
    private final Clock clock;

    @Inject
    public RateLimiter(RateLimitPolicy policy, RateLimitCounters counters) {
        this(policy, counters, Clock.systemUTC());
    }

    public RateLimiter(RateLimitPolicy policy, RateLimitCounters counters, Clock clock) {
        this.policy = policy;
        this.counters = counters;
        this.clock = clock;
    }

    /** Whether the charges would exceed a limit now, recording nothing (the RCPT-time check). */
    public Optional<Exceeded> check(List<Charge> charges) {
        Instant now = clock.instant();
        for (Charge charge : charges) {
            RateLimits limits = policy.effective(charge.key());
            for (RateLimitWindow window : limits.windows()) {
                CounterId counter = CounterId.of(charge.key().asString(), window, now);
                Optional<Exceeded> exceeded = firstExceeded(charge.key(), counter,
                    counters.usage(counter).plus(charge.usage()), limits.of(window));
                if (exceeded.isPresent()) {
                    return exceeded;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Records the charges if none exceeds a limit, all or nothing: when one counter refuses, what the
     * others already added is subtracted again. Only windows that have a limit are counted.
     *
     * @throws RuntimeException when the counters cannot be reached (nothing is left recorded, as far as
     *                          the store allows)
     */
    public Optional<Exceeded> acquire(List<Charge> charges) {
        return acquire(charges, policy::effective, RateLimitKey::asString);
    }

    /**
     * Same as {@link #acquire(List)} with limits and counters of the caller's choosing: the
     * {@link RateLimit} mailet has its own limits and counts apart from the SMTP servers.
     */
    public Optional<Exceeded> acquire(List<Charge> charges, Function<RateLimitKey, RateLimits> limitsOf,
                                      Function<RateLimitKey, String> counterKey) {
        Instant now = clock.instant();
        List<Map.Entry<CounterId, Usage>> added = new ArrayList<>();
        try {
            for (Charge charge : charges) {
                RateLimits limits = limitsOf.apply(charge.key());
                for (RateLimitWindow window : limits.windows()) {
                    CounterId counter = CounterId.of(counterKey.apply(charge.key()), window, now);
                    if (!counters.tryAdd(counter, charge.usage(), limits.of(window), now)) {
                        rollBack(added, now);
                        Usage wouldBe = counters.usage(counter).plus(charge.usage());
                        return Optional.of(firstExceeded(charge.key(), counter, wouldBe, limits.of(window))
                            .orElseGet(() -> anyLimit(charge.key(), counter, limits.of(window))));
                    }
                    added.add(Map.entry(counter, charge.usage()));
                }
            }
            return Optional.empty();
        } catch (RuntimeException e) {
            try {
                rollBack(added, now);
            } catch (RuntimeException rollBackFailure) {
                e.addSuppressed(rollBackFailure);
            }
            throw e;
        }
    }

    /** The current usage of each limited window of a key, for WebAdmin. */
    public Map<RateLimitWindow, Usage> usage(RateLimitKey key, RateLimits limits) {
        Instant now = clock.instant();
        Map<RateLimitWindow, Usage> usage = new EnumMap<>(RateLimitWindow.class);
        limits.windows().forEach(window -> usage.put(window, counters.usage(CounterId.of(key.asString(), window, now))));
        return usage;
    }

    public Instant now() {
        return clock.instant();
    }

    public RateLimitPolicy policy() {
        return policy;
    }

    private void rollBack(List<Map.Entry<CounterId, Usage>> added, Instant now) {
        for (Map.Entry<CounterId, Usage> entry : added) {
            counters.subtract(entry.getKey(), entry.getValue(), now);
        }
        added.clear();
    }

    private static Optional<Exceeded> firstExceeded(RateLimitKey key, CounterId counter, Usage wouldBe,
                                                    Map<RateLimitMetric, Long> limits) {
        return limits.entrySet().stream()
            .filter(limit -> limit.getKey().of(wouldBe) > limit.getValue())
            .findFirst()
            .map(limit -> new Exceeded(key, counter.window(), limit.getKey(), limit.getValue(), counter.resetsAt()));
    }

    /** A concurrent sender took the room between tryAdd and the read that names the limit: name any. */
    private static Exceeded anyLimit(RateLimitKey key, CounterId counter, Map<RateLimitMetric, Long> limits) {
        Map.Entry<RateLimitMetric, Long> limit = limits.entrySet().iterator().next();
        return new Exceeded(key, counter.window(), limit.getKey(), limit.getValue(), counter.resetsAt());
    }
}
