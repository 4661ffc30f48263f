package dev.mailserver.ratelimit;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.configuration2.Configuration;

/**
 * Which limits apply to a key: the defaults of its type from {@code conf/ratelimit.properties}, with the
 * WebAdmin override of that very user or domain on top. Overrides are read from the store on every call,
 * without a cache, so that a change made on one node applies to the next message on all of them (one
 * primary-key read per user or domain key; see bench/ratelimit for what it costs).
 */
public class RateLimitPolicy {
    private final Map<RateLimitKey.Type, RateLimits> defaults;
    private final RateLimitOverrides overrides;

    public RateLimitPolicy(Map<RateLimitKey.Type, RateLimits> defaults, RateLimitOverrides overrides) {
        this.defaults = new EnumMap<>(RateLimitKey.Type.class);
        this.defaults.putAll(defaults);
        this.overrides = overrides;
    }

    /**
     * Reads {@code <type>.<window>.<metric>=<value>} entries, e.g. {@code user.perHour.messages=200};
     * other keys are left to whoever owns them. A malformed entry fails the server start with its name.
     */
    public static Map<RateLimitKey.Type, RateLimits> defaultsFrom(Configuration configuration) {
        Map<RateLimitKey.Type, Map<String, String>> entries = new EnumMap<>(RateLimitKey.Type.class);
        configuration.getKeys().forEachRemaining(name -> {
            int dot = name.indexOf('.');
            if (dot < 0) {
                return;
            }
            RateLimitKey.Type.fromConfigName(name.substring(0, dot)).ifPresent(type ->
                entries.computeIfAbsent(type, any -> new LinkedHashMap<>())
                    .put(name.substring(dot + 1), configuration.getString(name)));
        });
        Map<RateLimitKey.Type, RateLimits> defaults = new EnumMap<>(RateLimitKey.Type.class);
        entries.forEach((type, limits) -> {
            try {
                defaults.put(type, RateLimits.fromFlatMap(limits));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("conf/ratelimit.properties, " + type.configName() + ".*: " + e.getMessage(), e);
            }
        });
        return defaults;
    }

    public RateLimits defaults(RateLimitKey.Type type) {
        return defaults.getOrDefault(type, RateLimits.NONE);
    }

    public RateLimits effective(RateLimitKey key) {
        RateLimits byDefault = defaults(key.type());
        if (!isOverridable(key.type())) {
            return byDefault;
        }
        return overrides.get(key).map(override -> override.over(byDefault)).orElse(byDefault);
    }

    public static boolean isOverridable(RateLimitKey.Type type) {
        return type == RateLimitKey.Type.USER || type == RateLimitKey.Type.DOMAIN;
    }

    public RateLimitOverrides overrides() {
        return overrides;
    }
}
