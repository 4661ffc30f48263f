package dev.mailserver.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;

import org.apache.commons.configuration2.PropertiesConfiguration;
import org.junit.jupiter.api.Test;

class OpenSearchConfigurationTest {
    private static OpenSearchConfiguration parse(String... keyValues) {
        PropertiesConfiguration properties = new PropertiesConfiguration();
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.addProperty(keyValues[i], keyValues[i + 1]);
        }
        return OpenSearchConfiguration.from(properties, Optional.empty());
    }

    @Test
    void defaultsSuitTheEmbeddedNode() {
        OpenSearchConfiguration configuration = parse();
        assertThat(configuration.hosts()).hasSize(1);
        assertThat(configuration.hosts().get(0).toURI()).isEqualTo("http://127.0.0.1:9200");
        assertThat(configuration.indexName()).isEqualTo("mailserver-messages");
        assertThat(configuration.shards()).isEqualTo(1);
        assertThat(configuration.replicas()).isZero();
        assertThat(configuration.credentials()).isEmpty();
        assertThat(configuration.redeliveryInterval()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void severalHostsWithTls() {
        OpenSearchConfiguration configuration = parse("opensearch.hosts", "a.example:9201,b.example",
            "opensearch.scheme", "https");
        assertThat(configuration.hosts()).extracting(host -> host.toURI())
            .containsExactly("https://a.example:9201", "https://b.example:9200");
        assertThat(configuration.usesTls()).isTrue();
    }

    @Test
    void theEnvironmentWinsOverTheFile() {
        PropertiesConfiguration properties = new PropertiesConfiguration();
        properties.addProperty("opensearch.hosts", "file.example:9200");
        assertThat(OpenSearchConfiguration.from(properties, Optional.of("env.example:9300")).hosts().get(0).toURI())
            .isEqualTo("http://env.example:9300");
    }

    @Test
    void aBadValueNamesTheProperty() {
        assertThatThrownBy(() -> parse("opensearch.hosts", "a.example:notaport"))
            .hasMessageContaining("opensearch.hosts");
        assertThatThrownBy(() -> parse("opensearch.index.shards", "0"))
            .hasMessageContaining("opensearch.index.shards");
        assertThatThrownBy(() -> parse("opensearch.index.name", "Mail Index"))
            .hasMessageContaining("opensearch.index.name");
        assertThatThrownBy(() -> parse("opensearch.scheme", "ftp"))
            .hasMessageContaining("opensearch.scheme");
    }

    @Test
    void aUserNeedsAPassword() {
        assertThatThrownBy(() -> parse("opensearch.user", "mailserver"))
            .hasMessageContaining("opensearch.password");
    }

    @Test
    void thePasswordIsNotPrinted() {
        assertThat(parse("opensearch.user", "u", "opensearch.password", "s3cret").credentials().get().toString())
            .doesNotContain("s3cret");
    }
}
