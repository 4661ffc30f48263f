package dev.mailserver.ratelimit;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Counters in this JVM only: for unit tests and single-node experiments. Expired buckets are dropped on write. */
public class MemoryRateLimitCounters implements RateLimitCounters {
    private final Map<CounterId, Usage> counters = new HashMap<>();

    @Override
    public synchronized Usage usage(CounterId counter) {
        return counters.getOrDefault(counter, Usage.NONE);
    }

    @Override
    public synchronized boolean tryAdd(CounterId counter, Usage delta, Map<RateLimitMetric, Long> limits, Instant now) {
        counters.keySet().removeIf(id -> id.resetsAt().plus(EXPIRY_MARGIN).isBefore(now));
        Usage after = usage(counter).plus(delta);
        if (!RateLimitCounters.withinLimits(after, limits)) {
            return false;
        }
        counters.put(counter, after);
        return true;
    }

    @Override
    public synchronized void subtract(CounterId counter, Usage delta, Instant now) {
        counters.computeIfPresent(counter, (id, usage) -> usage.minus(delta));
    }
}
