package dev.mailserver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient.AUTH_METHOD;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mailserver.it.harness.MailServer;
import dev.mailserver.it.harness.MailServerExtension;
import dev.mailserver.it.harness.Smtp;
import dev.mailserver.it.harness.WebAdmin;

/**
 * Rate limits on the submission port, with counters in Cassandra and limits changed live through
 * WebAdmin /ratelimits. Each test uses its own users, so counters never leak between tests. Limits are
 * per minute; a test that needs its messages in one window first waits for a fresh minute if the
 * current one is nearly over.
 */
class RateLimitTest {
    @RegisterExtension
    static final MailServerExtension server = new MailServerExtension();

    /** Fresh per run, so that the class also runs again against a kept Cassandra (-Dit.cassandra). */
    static final String DOMAIN = "ratelimit-" + UUID.randomUUID().toString().substring(0, 8) + ".test";
    static final String PASSWORD = "rate-Secret-5";
    static final String RECIPIENT = "inbox@" + DOMAIN;

    @BeforeAll
    static void createDomainAndRecipient() {
        server.webAdmin().createDomain(DOMAIN);
        server.webAdmin().createUser(RECIPIENT, PASSWORD);
    }

    @Test
    void aUserLimitedToFiveMessagesPerMinuteGets451_4_7_1OnTheSixth() {
        String user = newUserLimitedTo("{\"perMinute\":{\"messages\":5}}");
        awaitRoomInThisMinute(Duration.ofSeconds(20));
        AuthenticatingSMTPClient client = submission(user);

        for (int i = 1; i <= 5; i++) {
            assertThat(send(client, user, RECIPIENT)).as("message %d", i).startsWith("250");
        }
        String sixth = send(client, user, RECIPIENT);

        assertThat(sixth).startsWith("451 4.7.1").contains(user).contains("5 messages per minute").contains("resets at");
        Smtp.quit(client);
    }

    @Test
    void aDifferentUserIsUnaffected() {
        String limited = newUserLimitedTo("{\"perMinute\":{\"messages\":1}}");
        String other = newUserLimitedTo("{\"perMinute\":{\"messages\":1}}");
        awaitRoomInThisMinute(Duration.ofSeconds(15));
        AuthenticatingSMTPClient limitedClient = submission(limited);
        assertThat(send(limitedClient, limited, RECIPIENT)).startsWith("250");
        assertThat(send(limitedClient, limited, RECIPIENT)).startsWith("451 4.7.1");

        AuthenticatingSMTPClient otherClient = submission(other);

        assertThat(send(otherClient, other, RECIPIENT)).startsWith("250");
        Smtp.quit(limitedClient);
        Smtp.quit(otherClient);
    }

    @Test
    void afterTheWindowTheUserCanSendAgain() {
        String user = newUserLimitedTo("{\"perMinute\":{\"messages\":1}}");
        awaitRoomInThisMinute(Duration.ofSeconds(10));
        AuthenticatingSMTPClient client = submission(user);
        assertThat(send(client, user, RECIPIENT)).startsWith("250");
        assertThat(send(client, user, RECIPIENT)).startsWith("451 4.7.1");

        sleepUntil(Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1)).plusMillis(500));

        assertThat(send(client, user, RECIPIENT)).startsWith("250");
        Smtp.quit(client);
    }

    @Test
    void aRecipientLimitCountsRecipientsNotMessages() {
        String user = newUserLimitedTo("{\"perHour\":{\"recipients\":3}}");
        String second = "second@" + DOMAIN;
        server.webAdmin().createUser(second, PASSWORD);
        AuthenticatingSMTPClient client = submission(user);
        assertThat(send(client, user, RECIPIENT, second)).as("2 recipients of 3").startsWith("250");

        assertThat(Smtp.command(client, "MAIL FROM:<" + user + ">")).isEqualTo(250);
        assertThat(Smtp.command(client, "RCPT TO:<" + RECIPIENT + ">")).as("3rd recipient: %s", Smtp.reply(client)).isEqualTo(250);
        Smtp.command(client, "RCPT TO:<" + second + ">");
        assertThat(Smtp.reply(client)).as("4th recipient").startsWith("451 4.7.1").contains("3 recipients per hour");
        assertThat(Smtp.data(client, Smtp.message(user, RECIPIENT, "third recipient", "hi")))
            .as("the message goes to the recipient accepted: %s", Smtp.reply(client)).isEqualTo(250);

        JsonNode usage = server.webAdmin().get("/ratelimits/users/" + user).json().path("usage").path("perHour");
        assertThat(usage.path("messages").asLong()).isEqualTo(2);
        assertThat(usage.path("recipients").asLong()).isEqualTo(3);
        Smtp.quit(client);
    }

    @Test
    void twoServersOnTheSameCassandraShareTheCounters() {
        String user = newUserLimitedTo("{\"perMinute\":{\"messages\":4}}");
        MailServer secondNode = server.startAnotherNode();
        awaitRoomInThisMinute(Duration.ofSeconds(20));
        AuthenticatingSMTPClient first = submission(user);
        AuthenticatingSMTPClient second = Smtp.submission(secondNode.ports().submission(), AUTH_METHOD.PLAIN, user, PASSWORD);

        assertThat(send(first, user, RECIPIENT)).startsWith("250");
        assertThat(send(second, user, RECIPIENT)).startsWith("250");
        assertThat(send(first, user, RECIPIENT)).startsWith("250");
        assertThat(send(second, user, RECIPIENT)).startsWith("250");

        assertThat(send(second, user, RECIPIENT)).startsWith("451 4.7.1");
        assertThat(send(first, user, RECIPIENT)).startsWith("451 4.7.1");
        assertThat(secondNode.webAdmin().get("/ratelimits/users/" + user).json()
            .path("usage").path("perMinute").path("messages").asLong()).isEqualTo(4);
        Smtp.quit(first);
        Smtp.quit(second);
    }

    @Test
    void webAdminChangesApplyToTheNextMessage() {
        String user = newUserLimitedTo("{\"perMinute\":{\"messages\":1}}");
        awaitRoomInThisMinute(Duration.ofSeconds(15));
        AuthenticatingSMTPClient client = submission(user);
        assertThat(send(client, user, RECIPIENT)).startsWith("250");
        assertThat(send(client, user, RECIPIENT)).startsWith("451 4.7.1");

        assertThat(server.webAdmin().putJson("/ratelimits/users/" + user, "{\"perMinute\":{\"messages\":2}}").status())
            .isEqualTo(204);
        assertThat(send(client, user, RECIPIENT)).as("after raising the limit to 2").startsWith("250");
        assertThat(send(client, user, RECIPIENT)).as("3rd with a limit of 2").startsWith("451 4.7.1");

        assertThat(server.webAdmin().delete("/ratelimits/users/" + user).status()).isEqualTo(204);
        assertThat(send(client, user, RECIPIENT)).as("back to the defaults of conf/ratelimit.properties").startsWith("250");
        JsonNode described = server.webAdmin().get("/ratelimits/users/" + user).json();
        assertThat(described.path("override").isNull()).as("override in %s", described).isTrue();
        assertThat(described.path("limits").path("perMinute").path("messages").asLong()).isEqualTo(30);
        assertThat(described.path("usage").path("perMinute").path("messages").asLong()).isEqualTo(3);
        Smtp.quit(client);
    }

    @Test
    void getReturnsTheEffectiveLimitsAndTheOverride() {
        String user = newUserLimitedTo("{\"perMinute\":{\"messages\":5},\"perHour\":{\"messages\":100,\"recipients\":500},\"perDay\":{\"bytes\":\"500M\"}}");

        WebAdmin.Response response = server.webAdmin().get("/ratelimits/users/" + user);

        assertThat(response.status()).isEqualTo(200);
        JsonNode limits = response.json().path("limits");
        assertThat(limits.path("perMinute").path("messages").asLong()).isEqualTo(5);
        assertThat(limits.path("perHour").path("recipients").asLong()).isEqualTo(500);
        assertThat(limits.path("perDay").path("bytes").asLong()).isEqualTo(500L * 1024 * 1024);
        assertThat(limits.path("perDay").path("messages").asLong()).as("default kept").isEqualTo(1000);
        assertThat(response.json().path("override").path("perMinute").path("messages").asLong()).isEqualTo(5);
    }

    @Test
    void aDomainLimitBoundsItsUsersTogether() {
        String domain = "limited-" + UUID.randomUUID().toString().substring(0, 8) + ".test";
        server.webAdmin().createDomain(domain);
        String first = "first@" + domain;
        String second = "second@" + domain;
        server.webAdmin().createUser(first, PASSWORD);
        server.webAdmin().createUser(second, PASSWORD);
        assertThat(server.webAdmin().putJson("/ratelimits/domains/" + domain, "{\"perHour\":{\"messages\":1}}").status())
            .isEqualTo(204);
        AuthenticatingSMTPClient firstClient = submission(first);
        AuthenticatingSMTPClient secondClient = submission(second);

        assertThat(send(firstClient, first, RECIPIENT)).startsWith("250");

        assertThat(send(secondClient, second, RECIPIENT)).startsWith("451 4.7.1").contains("domain " + domain);
        Smtp.quit(firstClient);
        Smtp.quit(secondClient);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"perMinute\":{\"messages\":-1}}",
        "{\"perWeek\":{\"messages\":5}}",
        "{\"perDay\":{\"bytes\":\"500X\"}}",
        "{\"perHour\":{\"mesages\":5}}",
        "{\"perHour\":{\"messages\":5}"
    })
    void malformedLimitsAreRefusedWith400AndChangeNothing(String body) {
        String user = newUserLimitedTo("{\"perMinute\":{\"messages\":7}}");

        WebAdmin.Response response = server.webAdmin().putJson("/ratelimits/users/" + user, body);

        assertJsonError(response, 400, "InvalidArgument");
        assertThat(server.webAdmin().get("/ratelimits/users/" + user).json()
            .path("limits").path("perMinute").path("messages").asLong()).isEqualTo(7);
    }

    @Test
    void aUserOfAnUnknownDomainIsRefusedWith400() {
        assertJsonError(server.webAdmin().putJson("/ratelimits/users/someone@unknown-domain.test",
            "{\"perMinute\":{\"messages\":5}}"), 400, "InvalidArgument");
    }

    @Test
    void anUnknownUserOrDomainIsAnswered404() {
        assertJsonError(server.webAdmin().get("/ratelimits/users/nobody@" + DOMAIN), 404, "notFound");
        assertJsonError(server.webAdmin().putJson("/ratelimits/domains/unknown-domain.test",
            "{\"perMinute\":{\"messages\":5}}"), 404, "notFound");
    }

    /** A new user of {@link #DOMAIN} with the given WebAdmin override. */
    private static String newUserLimitedTo(String limits) {
        String user = "u" + UUID.randomUUID().toString().substring(0, 8) + "@" + DOMAIN;
        server.webAdmin().createUser(user, PASSWORD);
        WebAdmin.Response response = server.webAdmin().putJson("/ratelimits/users/" + user, limits);
        assertThat(response.status()).as("PUT /ratelimits/users/%s answered %s", user, response).isEqualTo(204);
        return user;
    }

    private static AuthenticatingSMTPClient submission(String user) {
        return Smtp.submission(server.ports().submission(), AUTH_METHOD.PLAIN, user, PASSWORD);
    }

    /**
     * One transaction; returns the first reply that is not 250 (then RSET), or the final reply to DATA.
     */
    private static String send(AuthenticatingSMTPClient client, String from, String... to) {
        if (Smtp.command(client, "MAIL FROM:<" + from + ">") != 250) {
            return abort(client);
        }
        for (String recipient : to) {
            if (Smtp.command(client, "RCPT TO:<" + recipient + ">") != 250) {
                return abort(client);
            }
        }
        Smtp.data(client, Smtp.message(from, to[0], "rate limit " + UUID.randomUUID(), "hello"));
        return Smtp.reply(client);
    }

    private static String abort(AuthenticatingSMTPClient client) {
        String reply = Smtp.reply(client);
        Smtp.command(client, "RSET");
        return reply;
    }

    /** Per-minute windows restart on the minute: make sure the test's messages fit in one. */
    private static void awaitRoomInThisMinute(Duration needed) {
        Instant nextMinute = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        if (Instant.now().plus(needed).isAfter(nextMinute)) {
            sleepUntil(nextMinute.plusMillis(500));
        }
    }

    private static void sleepUntil(Instant instant) {
        long millis = Duration.between(Instant.now(), instant).toMillis();
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static void assertJsonError(WebAdmin.Response response, int status, String type) {
        assertThat(response.status()).as("answer: %s", response).isEqualTo(status);
        JsonNode error = response.json();
        assertThat(error.path("statusCode").asInt()).as("statusCode in %s", response.body()).isEqualTo(status);
        assertThat(error.path("type").asText()).as("type in %s", response.body()).isEqualTo(type);
        assertThat(error.path("message").asText()).as("message in %s", response.body()).isNotBlank();
    }
}
