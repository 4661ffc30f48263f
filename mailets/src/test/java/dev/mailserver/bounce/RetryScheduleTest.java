package dev.mailserver.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class RetryScheduleTest {
    @Test
    void defaultScheduleBacksOffAndLastsAboutFiveDays() {
        RetrySchedule schedule = RetrySchedule.parse(RetrySchedule.DEFAULT);

        assertThat(schedule.delayAfter(1)).isEqualTo(Duration.ofMinutes(5));
        assertThat(schedule.delayAfter(6)).isEqualTo(Duration.ofHours(4));
        assertThat(schedule.delayAfter(7)).isEqualTo(Duration.ofHours(8));
        assertThat(schedule.attempts()).isEqualTo(21);
        assertThat(schedule.total()).isBetween(Duration.ofDays(4).plusHours(23), Duration.ofDays(5));
    }

    @Test
    void repeatsADelayWrittenWithAFactor() {
        assertThat(RetrySchedule.parse("2*3 seconds").delays()).containsExactly(Duration.ofSeconds(3), Duration.ofSeconds(3));
    }

    @Test
    void aBadDelayIsRefusedWithTheEntryNamed() {
        assertThatThrownBy(() -> RetrySchedule.parse("5 minutes, soon"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("soon");
    }
}
