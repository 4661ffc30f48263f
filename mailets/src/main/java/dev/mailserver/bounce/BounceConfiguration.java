package dev.mailserver.bounce;

import java.time.Duration;
import java.util.Optional;

import org.apache.commons.configuration2.Configuration;
import org.apache.james.core.Domain;
import org.apache.james.util.DurationParser;

import com.google.common.base.Preconditions;

/**
 * The settings of {@code conf/bounces.properties} shared by the outbound delivery mailet, the bounce
 * processor and the SMTP hooks. Every key is optional; the defaults are below and in the file.
 *
 * @param verp                    the VERP encoding, present when {@code verp.enabled=true}
 * @param softBounceThreshold     soft bounces within {@code softBounceWindow} that suppress an address
 * @param softBounceWindow        the window soft bounces are counted in
 * @param eventRetention          how long bounce events are kept
 */
public record BounceConfiguration(Optional<VerpAddress> verp, int softBounceThreshold, Duration softBounceWindow,
                                  Duration eventRetention) {
    public static final int DEFAULT_SOFT_BOUNCE_THRESHOLD = 5;
    public static final Duration DEFAULT_SOFT_BOUNCE_WINDOW = Duration.ofDays(7);
    public static final Duration DEFAULT_EVENT_RETENTION = Duration.ofDays(90);
    public static final String DEFAULT_VERP_LOCAL_PART = "bounces";

    public static final BounceConfiguration DEFAULT = new BounceConfiguration(Optional.empty(),
        DEFAULT_SOFT_BOUNCE_THRESHOLD, DEFAULT_SOFT_BOUNCE_WINDOW, DEFAULT_EVENT_RETENTION);

    public BounceConfiguration {
        Preconditions.checkArgument(softBounceThreshold >= 1, "suppression.softBounce.threshold must be at least 1");
        Preconditions.checkArgument(!softBounceWindow.isNegative() && !softBounceWindow.isZero(),
            "suppression.softBounce.window must be positive");
        Preconditions.checkArgument(eventRetention.compareTo(softBounceWindow) >= 0,
            "events.retention must be at least suppression.softBounce.window");
    }

    public static BounceConfiguration from(Configuration properties) {
        Optional<VerpAddress> verp = Optional.empty();
        if (properties.getBoolean("verp.enabled", false)) {
            String domain = properties.getString("verp.domain", "").trim();
            Preconditions.checkArgument(!domain.isEmpty(), "verp.enabled=true needs verp.domain in bounces.properties");
            verp = Optional.of(new VerpAddress(properties.getString("verp.localPart", DEFAULT_VERP_LOCAL_PART).trim(),
                Domain.of(domain)));
        }
        return new BounceConfiguration(verp,
            properties.getInt("suppression.softBounce.threshold", DEFAULT_SOFT_BOUNCE_THRESHOLD),
            duration(properties, "suppression.softBounce.window", DEFAULT_SOFT_BOUNCE_WINDOW),
            duration(properties, "events.retention", DEFAULT_EVENT_RETENTION));
    }

    private static Duration duration(Configuration properties, String key, Duration defaultValue) {
        String value = properties.getString(key, "").trim();
        if (value.isEmpty()) {
            return defaultValue;
        }
        try {
            return DurationParser.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid " + key + " in bounces.properties: '" + value
                + "' (expected e.g. '7 days', '12 hours')", e);
        }
    }
}
