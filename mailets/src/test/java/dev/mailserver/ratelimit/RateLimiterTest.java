package dev.mailserver.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    static final RateLimitKey ALICE = RateLimitKey.user("alice@example.com");
    static final RateLimitKey BOB = RateLimitKey.user("bob@example.com");
    static final RateLimitKey EXAMPLE_COM = RateLimitKey.domain("example.com");
    static final Instant TEN_O_CLOCK = Instant.parse("2026-11-23T10:00:00Z");

    MutableClock clock = new MutableClock(TEN_O_CLOCK);
    MemoryRateLimitCounters counters = new MemoryRateLimitCounters();
    MemoryRateLimitOverrides overrides = new MemoryRateLimitOverrides();
    RateLimiter limiter;

    @BeforeEach
    void fiveMessagesPerMinutePerUser() {
        RateLimits fivePerMinute = RateLimits.builder().limit(RateLimitWindow.MINUTE, RateLimitMetric.MESSAGES, 5).build();
        limiter = new RateLimiter(new RateLimitPolicy(Map.of(RateLimitKey.Type.USER, fivePerMinute), overrides), counters, clock);
    }

    @Test
    void aLimitOfFiveAllowsExactlyFiveMessages() {
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.acquire(oneMessage(ALICE, 1))).isEmpty();
        }

        assertThat(limiter.acquire(oneMessage(ALICE, 1))).hasValueSatisfying(exceeded -> {
            assertThat(exceeded.key()).isEqualTo(ALICE);
            assertThat(exceeded.window()).isEqualTo(RateLimitWindow.MINUTE);
            assertThat(exceeded.metric()).isEqualTo(RateLimitMetric.MESSAGES);
            assertThat(exceeded.resetsAt()).isEqualTo(Instant.parse("2026-11-23T10:01:00Z"));
        });
    }

    @Test
    void anotherUserHasHisOwnCounter() {
        sendFive(ALICE);

        assertThat(limiter.acquire(oneMessage(BOB, 1))).isEmpty();
    }

    @Test
    void theNextWindowStartsFromZero() {
        sendFive(ALICE);

        clock.set(Instant.parse("2026-11-23T10:01:00Z"));

        assertThat(limiter.acquire(oneMessage(ALICE, 1))).isEmpty();
    }

    @Test
    void checkRecordsNothing() {
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.check(oneMessage(ALICE, 1))).isEmpty();
        }
        assertThat(limiter.usage(ALICE, limiter.policy().effective(ALICE)))
            .containsEntry(RateLimitWindow.MINUTE, Usage.NONE);
    }

    @Test
    void checkSeesWhetherOneMoreMessageWouldExceed() {
        sendFive(ALICE);

        assertThat(limiter.check(oneMessage(ALICE, 1))).isPresent();
    }

    @Test
    void aRecipientLimitCountsRecipientsNotMessages() {
        overrides.set(ALICE, RateLimits.builder().limit(RateLimitWindow.HOUR, RateLimitMetric.RECIPIENTS, 3).build());

        assertThat(limiter.acquire(oneMessage(ALICE, 2))).isEmpty();
        assertThat(limiter.acquire(oneMessage(ALICE, 2))).hasValueSatisfying(exceeded ->
            assertThat(exceeded.metric()).isEqualTo(RateLimitMetric.RECIPIENTS));
        assertThat(limiter.acquire(oneMessage(ALICE, 1))).isEmpty();
    }

    @Test
    void anOverrideReplacesTheDefaultItNamesAndKeepsTheOthers() {
        overrides.set(ALICE, RateLimits.builder().limit(RateLimitWindow.HOUR, RateLimitMetric.RECIPIENTS, 100).build());

        RateLimits effective = limiter.policy().effective(ALICE);

        assertThat(effective.limit(RateLimitWindow.MINUTE, RateLimitMetric.MESSAGES)).hasValue(5);
        assertThat(effective.limit(RateLimitWindow.HOUR, RateLimitMetric.RECIPIENTS)).hasValue(100);
    }

    @Test
    void anOverrideAppliesToTheNextMessage() {
        sendFive(ALICE);
        overrides.set(ALICE, RateLimits.builder().limit(RateLimitWindow.MINUTE, RateLimitMetric.MESSAGES, 6).build());

        assertThat(limiter.acquire(oneMessage(ALICE, 1))).isEmpty();
        assertThat(limiter.acquire(oneMessage(ALICE, 1))).isPresent();
    }

    @Test
    void aRefusedMessageIsCountedNowhere() {
        overrides.set(EXAMPLE_COM, RateLimits.builder().limit(RateLimitWindow.DAY, RateLimitMetric.MESSAGES, 0).build());

        List<RateLimiter.Charge> userThenDomain = List.of(
            new RateLimiter.Charge(ALICE, new Usage(1, 1, 10)),
            new RateLimiter.Charge(EXAMPLE_COM, new Usage(1, 1, 10)));

        assertThat(limiter.acquire(userThenDomain)).hasValueSatisfying(exceeded ->
            assertThat(exceeded.key()).isEqualTo(EXAMPLE_COM));
        assertThat(limiter.usage(ALICE, limiter.policy().effective(ALICE)))
            .containsEntry(RateLimitWindow.MINUTE, Usage.NONE);
    }

    @Test
    void aBytesLimitCountsSizes() {
        overrides.set(ALICE, RateLimits.builder().limit(RateLimitWindow.DAY, RateLimitMetric.BYTES, 1000).build());

        assertThat(limiter.acquire(List.of(new RateLimiter.Charge(ALICE, new Usage(1, 1, 600))))).isEmpty();
        assertThat(limiter.acquire(List.of(new RateLimiter.Charge(ALICE, new Usage(1, 1, 600))))).hasValueSatisfying(
            exceeded -> assertThat(exceeded.metric()).isEqualTo(RateLimitMetric.BYTES));
    }

    @Test
    void theRefusalNamesTheLimitAndWhenItResets() {
        sendFive(ALICE);

        String sentence = limiter.acquire(oneMessage(ALICE, 1)).orElseThrow().describe();

        assertThat(sentence).isEqualTo("user alice@example.com is limited to 5 messages per minute;"
            + " the limit resets at 2026-11-23T10:01:00Z (UTC)");
    }

    @Test
    void countersExpireOneMarginAfterTheirWindow() {
        RateLimitCounters.CounterId counter = RateLimitCounters.CounterId.of("user:x", RateLimitWindow.HOUR,
            Instant.parse("2026-11-23T10:30:00Z"));

        assertThat(counter.ttl(Instant.parse("2026-11-23T10:30:00Z"))).hasMinutes(31);
    }

    private void sendFive(RateLimitKey key) {
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.acquire(oneMessage(key, 1))).isEmpty();
        }
    }

    private static List<RateLimiter.Charge> oneMessage(RateLimitKey key, int recipients) {
        return List.of(new RateLimiter.Charge(key, new Usage(1, recipients, 100)));
    }

    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
