package dev.mailserver.ratelimit;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

import org.apache.james.util.Size;

/**
 * The limits of one key: for each window, an upper bound on some metrics. A metric without a bound is
 * unlimited. Immutable.
 */
public final class RateLimits {
    public static final RateLimits NONE = new RateLimits(new EnumMap<>(RateLimitWindow.class));

    private final Map<RateLimitWindow, Map<RateLimitMetric, Long>> limits;

    private RateLimits(Map<RateLimitWindow, Map<RateLimitMetric, Long>> limits) {
        this.limits = limits;
    }

    public static Builder builder() {
        return new Builder();
    }

    public OptionalLong limit(RateLimitWindow window, RateLimitMetric metric) {
        Long value = limits.getOrDefault(window, Map.of()).get(metric);
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /** The windows with at least one bound: only those are counted. */
    public Set<RateLimitWindow> windows() {
        return Collections.unmodifiableSet(limits.keySet());
    }

    public Map<RateLimitMetric, Long> of(RateLimitWindow window) {
        return Collections.unmodifiableMap(limits.getOrDefault(window, Map.of()));
    }

    public boolean isEmpty() {
        return limits.isEmpty();
    }

    /** These limits where they say something, {@code defaults} for every (window, metric) they leave open. */
    public RateLimits over(RateLimits defaults) {
        Builder merged = builder();
        defaults.limits.forEach((window, metrics) -> metrics.forEach((metric, value) -> merged.limit(window, metric, value)));
        limits.forEach((window, metrics) -> metrics.forEach((metric, value) -> merged.limit(window, metric, value)));
        return merged.build();
    }

    /** {@code {"perMinute":{"messages":5},"perDay":{"bytes":524288000}}}, windows and metrics in a stable order. */
    public Map<String, Map<String, Long>> asJsonMap() {
        Map<String, Map<String, Long>> json = new LinkedHashMap<>();
        limits.forEach((window, metrics) -> {
            Map<String, Long> values = new LinkedHashMap<>();
            metrics.forEach((metric, value) -> values.put(metric.jsonName(), value));
            json.put(window.jsonName(), values);
        });
        return json;
    }

    /** {@code perMinute.messages} → 5, the form of conf/ratelimit.properties and of the Cassandra map. */
    public Map<String, Long> asFlatMap() {
        Map<String, Long> flat = new LinkedHashMap<>();
        limits.forEach((window, metrics) -> metrics.forEach((metric, value) ->
            flat.put(window.jsonName() + "." + metric.jsonName(), value)));
        return flat;
    }

    /**
     * Reads {@code perHour.messages}-style entries. Values are non-negative integers; bytes also take a
     * K, M or G suffix (powers of 1024). Anything else is an {@link IllegalArgumentException} naming the entry.
     */
    public static RateLimits fromFlatMap(Map<String, String> entries) {
        Builder builder = builder();
        entries.forEach((name, value) -> {
            String[] parts = name.split("\\.", -1);
            if (parts.length != 2) {
                throw new IllegalArgumentException("'" + name + "' is not of the form <window>.<metric>, e.g. perHour.messages");
            }
            RateLimitWindow window = window(parts[0]);
            RateLimitMetric metric = metric(parts[1]);
            builder.limit(window, metric, parseValue(name, metric, value));
        });
        return builder.build();
    }

    static RateLimitWindow window(String name) {
        return RateLimitWindow.fromJsonName(name).orElseThrow(() -> new IllegalArgumentException(
            "Unknown window '" + name + "': use perMinute, perHour or perDay"));
    }

    static RateLimitMetric metric(String name) {
        return RateLimitMetric.fromJsonName(name).orElseThrow(() -> new IllegalArgumentException(
            "Unknown metric '" + name + "': use messages, recipients or bytes"));
    }

    /** A count, or for bytes a size such as 500M. */
    static long parseValue(String name, RateLimitMetric metric, String value) {
        String trimmed = value == null ? "" : value.trim();
        try {
            long parsed = metric == RateLimitMetric.BYTES && !trimmed.isEmpty() && !trimmed.startsWith("-")
                ? Size.parse(trimmed).asBytes()
                : Long.parseLong(trimmed);
            if (parsed < 0) {
                throw new IllegalArgumentException(name + " must not be negative, got " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a non-negative integer"
                + (metric == RateLimitMetric.BYTES ? " or a size such as 500M" : "") + ", got '" + value + "'");
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(name)) {
                throw e;
            }
            throw new IllegalArgumentException(name + " must be a size such as 500K, 25M or 2G, got '" + value + "'");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RateLimits other && limits.equals(other.limits);
    }

    @Override
    public int hashCode() {
        return limits.hashCode();
    }

    @Override
    public String toString() {
        return asJsonMap().toString();
    }

    public static final class Builder {
        private final Map<RateLimitWindow, Map<RateLimitMetric, Long>> limits = new EnumMap<>(RateLimitWindow.class);

        public Builder limit(RateLimitWindow window, RateLimitMetric metric, long value) {
            if (value < 0) {
                throw new IllegalArgumentException(window.jsonName() + "." + metric.jsonName() + " must not be negative");
            }
            limits.computeIfAbsent(window, any -> new EnumMap<>(RateLimitMetric.class)).put(metric, value);
            return this;
        }

        public RateLimits build() {
            Map<RateLimitWindow, Map<RateLimitMetric, Long>> copy = new EnumMap<>(RateLimitWindow.class);
            limits.forEach((window, metrics) -> copy.put(window, Collections.unmodifiableMap(new EnumMap<>(metrics))));
            return new RateLimits(copy);
        }
    }
}

