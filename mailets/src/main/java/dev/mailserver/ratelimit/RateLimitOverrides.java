package dev.mailserver.ratelimit;

import java.util.Optional;

/**
 * Limits an admin set through WebAdmin for one user or one domain, replacing the defaults of
 * conf/ratelimit.properties for the (window, metric) pairs they name. Read on every check, so a change
 * applies to the next message on every node.
 */
public interface RateLimitOverrides {
    Optional<RateLimits> get(RateLimitKey key);

    void set(RateLimitKey key, RateLimits limits);

    void remove(RateLimitKey key);
}
