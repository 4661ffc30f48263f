package dev.mailserver.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.apache.commons.configuration2.PropertiesConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RateLimitsParsingTest {
    @Test
    void theIssueExampleBodyIsAccepted() {
        RateLimits limits = RateLimitRoutes.parse(
            "{\"perMinute\":{\"messages\":5},\"perHour\":{\"messages\":100,\"recipients\":500},\"perDay\":{\"bytes\":\"500M\"}}");

        assertThat(limits.limit(RateLimitWindow.MINUTE, RateLimitMetric.MESSAGES)).hasValue(5);
        assertThat(limits.limit(RateLimitWindow.HOUR, RateLimitMetric.RECIPIENTS)).hasValue(500);
        assertThat(limits.limit(RateLimitWindow.DAY, RateLimitMetric.BYTES)).hasValue(500L * 1024 * 1024);
        assertThat(limits.limit(RateLimitWindow.DAY, RateLimitMetric.MESSAGES)).isEmpty();
    }

    @Test
    void bytesMayBeAPlainNumber() {
        assertThat(RateLimitRoutes.parse("{\"perDay\":{\"bytes\":1000}}").limit(RateLimitWindow.DAY, RateLimitMetric.BYTES))
            .hasValue(1000);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"perMinute\":{\"messages\":-1}}",
        "{\"perWeek\":{\"messages\":5}}",
        "{\"perDay\":{\"bytes\":\"500X\"}}",
        "{\"perDay\":{\"bytes\":\"-5M\"}}",
        "{\"perDay\":{\"bytes\":\"1.5G\"}}",
        "{\"perHour\":{\"mesages\":5}}",
        "{\"perHour\":{\"messages\":\"5\"}}",
        "{\"perHour\":{\"messages\":1.5}}",
        "{\"perHour\":5}",
        "[]",
        "{\"perHour\":{\"messages\":5}",
        ""
    })
    void malformedBodiesAreRefusedWithAMessage(String body) {
        assertThatThrownBy(() -> RateLimitRoutes.parse(body))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageMatching(".+");
    }

    @Test
    void defaultsAreReadFromProperties() {
        PropertiesConfiguration properties = new PropertiesConfiguration();
        properties.addProperty("user.perHour.messages", "300");
        properties.addProperty("user.perDay.bytes", "1G");
        properties.addProperty("recipient.perMinute.messages", "60");

        Map<RateLimitKey.Type, RateLimits> defaults = RateLimitPolicy.defaultsFrom(properties);

        assertThat(defaults.get(RateLimitKey.Type.USER).limit(RateLimitWindow.HOUR, RateLimitMetric.MESSAGES)).hasValue(300);
        assertThat(defaults.get(RateLimitKey.Type.USER).limit(RateLimitWindow.DAY, RateLimitMetric.BYTES)).hasValue(1L << 30);
        assertThat(defaults.get(RateLimitKey.Type.RECIPIENT).limit(RateLimitWindow.MINUTE, RateLimitMetric.MESSAGES)).hasValue(60);
        assertThat(defaults).doesNotContainKey(RateLimitKey.Type.DOMAIN);
    }

    @Test
    void aMalformedDefaultNamesTheEntry() {
        PropertiesConfiguration properties = new PropertiesConfiguration();
        properties.addProperty("user.perFortnight.messages", "300");

        assertThatThrownBy(() -> RateLimitPolicy.defaultsFrom(properties))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("perFortnight");
    }
}
