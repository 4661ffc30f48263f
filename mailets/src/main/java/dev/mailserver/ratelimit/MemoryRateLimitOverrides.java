package dev.mailserver.ratelimit;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Overrides in this JVM only, for unit tests. */
public class MemoryRateLimitOverrides implements RateLimitOverrides {
    private final Map<RateLimitKey, RateLimits> overrides = new ConcurrentHashMap<>();

    @Override
    public Optional<RateLimits> get(RateLimitKey key) {
        return Optional.ofNullable(overrides.get(key));
    }

    @Override
    public void set(RateLimitKey key, RateLimits limits) {
        overrides.put(key, limits);
    }

    @Override
    public void remove(RateLimitKey key) {
        overrides.remove(key);
    }
}
