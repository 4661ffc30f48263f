package dev.mailserver.bounce;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.james.util.DurationParser;

import com.google.common.base.Preconditions;
import com.google.common.base.Splitter;

/**
 * The waits between delivery attempts after temporary failures, written as in James's RemoteDelivery:
 * {@code 5 minutes, 15 minutes, 30 minutes, 1 hour, 2 hours, 4 hours, 14*8 hours}, where {@code N*delay}
 * repeats a wait N times. A message is attempted once, then once after each wait; when the attempt after
 * the last wait fails too, it is given up.
 */
public record RetrySchedule(List<Duration> delays) {
    /** About five days: 5 min, 15 min, 30 min, 1 h, 2 h, 4 h, then every 8 h until 5 days have passed. */
    public static final String DEFAULT = "5 minutes, 15 minutes, 30 minutes, 1 hour, 2 hours, 4 hours, 14*8 hours";
    private static final Pattern REPEATED = Pattern.compile("\\s*(\\d+)\\s*\\*\\s*(.+)");

    public RetrySchedule {
        Preconditions.checkArgument(!delays.isEmpty(), "A retry schedule has at least one delay");
        delays = List.copyOf(delays);
    }

    public static RetrySchedule parse(String schedule) {
        List<Duration> delays = new ArrayList<>();
        for (String entry : Splitter.on(',').trimResults().omitEmptyStrings().split(schedule)) {
            int times = 1;
            String delay = entry;
            Matcher repeated = REPEATED.matcher(entry);
            if (repeated.matches()) {
                times = Integer.parseInt(repeated.group(1));
                delay = repeated.group(2);
            }
            Duration duration;
            try {
                duration = DurationParser.parse(delay);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + entry + "' is not a delay such as '15 minutes' or '3*2 hours'", e);
            }
            Preconditions.checkArgument(!duration.isZero(), "'%s': a delay must be longer than zero", entry);
            for (int i = 0; i < times; i++) {
                delays.add(duration);
            }
        }
        return new RetrySchedule(delays);
    }

    /** How many attempts a message gets in all. */
    public int attempts() {
        return delays.size() + 1;
    }

    /** The wait after failed attempt number {@code attempt} (1 for the first), when there is another attempt. */
    public Duration delayAfter(int attempt) {
        return delays.get(attempt - 1);
    }

    /** From arrival to the last attempt. */
    public Duration total() {
        return delays.stream().reduce(Duration.ZERO, Duration::plus);
    }
}
