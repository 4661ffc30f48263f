package dev.mailserver.bounce;

import java.time.Clock;
import java.time.Instant;

import javax.inject.Inject;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a bounce and applies the suppression policy: a hard bounce (5.x.x) suppresses the address at once;
 * soft bounces (4.x.x) suppress it when {@code suppression.softBounce.threshold} of them fall within
 * {@code suppression.softBounce.window}. An address already suppressed keeps its first reason and date.
 */
public class BounceRecorder {
    private static final Logger LOGGER = LoggerFactory.getLogger(BounceRecorder.class);

    private final BounceEventStore events;
    private final SuppressionList suppressions;
    private final BounceConfiguration configuration;
    private final Clock clock;

    @Inject
    public BounceRecorder(BounceEventStore events, SuppressionList suppressions, BounceConfiguration configuration) {
        this(events, suppressions, configuration, Clock.systemUTC());
    }

    public BounceRecorder(BounceEventStore events, SuppressionList suppressions, BounceConfiguration configuration,
                          Clock clock) {
        this.events = events;
        this.suppressions = suppressions;
        this.configuration = configuration;
        this.clock = clock;
    }

    public void record(BounceEvent event) {
        events.record(event);
        if (suppressions.find(event.recipient()).isPresent()) {
            return;
        }
        if (event.kind() == BounceEvent.Kind.HARD) {
            suppress(event, event.diagnostic().orElse("hard bounce, status " + event.status()));
            return;
        }
        Instant windowStart = clock.instant().minus(configuration.softBounceWindow());
        long recentSoftBounces = events.eventsOf(event.recipient()).stream()
            .filter(recorded -> recorded.kind() == BounceEvent.Kind.SOFT)
            .filter(recorded -> !recorded.at().isBefore(windowStart))
            .count();
        if (recentSoftBounces >= configuration.softBounceThreshold()) {
            suppress(event, recentSoftBounces + " soft bounces within " + readable(configuration.softBounceWindow())
                + ", the last: " + event.diagnostic().orElse("status " + event.status()));
        }
    }

    private void suppress(BounceEvent event, String reason) {
        LOGGER.info("Suppressing {}: {}", event.recipient(), reason);
        suppressions.suppress(new Suppression(event.recipient(), event.status(), reason, event.at()));
    }

    private static String readable(java.time.Duration window) {
        if (window.toHours() >= 48 && window.toHours() % 24 == 0) {
            return window.toDays() + " days";
        }
        return window.toHours() >= 1 ? window.toHours() + " hours" : window.toMinutes() + " minutes";
    }

    public Instant now() {
        return clock.instant();
    }
}
