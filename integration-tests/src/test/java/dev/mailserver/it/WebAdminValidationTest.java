package dev.mailserver.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mailserver.it.harness.MailServerExtension;
import dev.mailserver.it.harness.WebAdmin;

/**
 * WebAdmin refuses bad requests with 400 and a JSON error body (statusCode, type, message) an admin
 * can act on, and a refused request leaves nothing half-created behind.
 */
class WebAdminValidationTest {
    @RegisterExtension
    static final MailServerExtension server = new MailServerExtension();

    static final String DOMAIN = "validation.test";

    @BeforeAll
    static void createDomain() {
        server.webAdmin().createDomain(DOMAIN);
    }

    @Test
    void malformedJsonForANewUserIsRefusedWith400AndCreatesNoUser() {
        String user = "henry@" + DOMAIN;

        WebAdmin.Response response = server.webAdmin().putJson("/users/" + user, "{\"password\": \"henry-Secret-8\"");

        assertIsJsonError400(response);
        assertThat(server.webAdmin().users()).doesNotContain(user);
    }

    @Test
    void invalidDomainNameIsRefusedWith400AndCreatesNoDomain() {
        String invalid = "-starts-with-a-dash.test";

        WebAdmin.Response response = server.webAdmin().put("/domains/" + invalid);

        assertIsJsonError400(response);
        assertThat(server.webAdmin().domains()).doesNotContain(invalid);
    }

    @Test
    void userInAnUnknownDomainIsRefusedWith400AndCreatesNeitherUserNorDomain() {
        String unknownDomain = "not-created.test";
        String user = "ivy@" + unknownDomain;

        WebAdmin.Response response = server.webAdmin().putJson("/users/" + user, "{\"password\": \"ivy-Secret-9\"}");

        assertIsJsonError400(response);
        assertThat(server.webAdmin().users()).doesNotContain(user);
        assertThat(server.webAdmin().domains()).doesNotContain(unknownDomain);
    }

    private static void assertIsJsonError400(WebAdmin.Response response) {
        assertThat(response.status()).as("answer: %s", response).isEqualTo(400);
        JsonNode error = response.json();
        assertThat(error.path("statusCode").asInt()).as("statusCode in %s", response.body()).isEqualTo(400);
        assertThat(error.path("type").asText()).as("type in %s", response.body()).isEqualTo("InvalidArgument");
        assertThat(error.path("message").asText()).as("message in %s", response.body()).isNotBlank();
    }
}
