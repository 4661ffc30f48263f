package dev.mailserver.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import org.apache.james.core.MailAddress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BounceRecorderTest {
    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    static final MailAddress BOB = DeliveryStatusNotificationTest.address("bob@remote.test");
    static final BounceConfiguration THREE_IN_A_DAY = new BounceConfiguration(Optional.empty(), 3, Duration.ofDays(1),
        Duration.ofDays(30));

    MemorySuppressionList suppressions;
    MemoryBounceEventStore events;
    BounceRecorder recorder;

    @BeforeEach
    void setUp() {
        suppressions = new MemorySuppressionList();
        events = new MemoryBounceEventStore();
        recorder = new BounceRecorder(events, suppressions, THREE_IN_A_DAY, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    static BounceEvent bounce(String status, Instant at) {
        return new BounceEvent(BOB, at, BounceEvent.Kind.of(status), status, Optional.of("550 " + status + " gone"),
            Optional.empty(), "verp");
    }

    @Test
    void aHardBounceSuppressesAtOnce() {
        recorder.record(bounce("5.1.1", NOW));

        assertThat(suppressions.find(BOB)).hasValueSatisfying(suppression -> {
            assertThat(suppression.status()).isEqualTo("5.1.1");
            assertThat(suppression.since()).isEqualTo(NOW);
        });
        assertThat(events.eventsOf(BOB)).hasSize(1);
    }

    @Test
    void softBouncesSuppressOnlyAtTheThresholdWithinTheWindow() {
        recorder.record(bounce("4.2.2", NOW.minus(Duration.ofHours(2))));
        recorder.record(bounce("4.2.2", NOW.minus(Duration.ofHours(1))));
        assertThat(suppressions.find(BOB)).isEmpty();

        recorder.record(bounce("4.2.2", NOW));

        assertThat(suppressions.find(BOB)).isPresent();
    }

    @Test
    void softBouncesOutsideTheWindowDoNotCount() {
        recorder.record(bounce("4.2.2", NOW.minus(Duration.ofDays(3))));
        recorder.record(bounce("4.2.2", NOW.minus(Duration.ofDays(2))));
        recorder.record(bounce("4.2.2", NOW));

        assertThat(suppressions.find(BOB)).isEmpty();
    }

    @Test
    void anAddressAlreadySuppressedKeepsItsFirstReason() {
        recorder.record(bounce("5.1.1", NOW.minus(Duration.ofDays(1))));
        recorder.record(bounce("5.2.1", NOW));

        assertThat(suppressions.find(BOB).orElseThrow().status()).isEqualTo("5.1.1");
        assertThat(events.eventsOf(BOB)).extracting(BounceEvent::status).containsExactly("5.2.1", "5.1.1");
    }
}
