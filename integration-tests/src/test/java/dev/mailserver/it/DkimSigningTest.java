package dev.mailserver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient.AUTH_METHOD;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mailserver.dkim.PythonDkimVerifier;
import dev.mailserver.dkim.PythonDkimVerifier.Result;
import dev.mailserver.it.harness.MailServerExtension;
import dev.mailserver.it.harness.Mailbox;
import dev.mailserver.it.harness.Smtp;
import dev.mailserver.it.harness.SmtpSink;
import dev.mailserver.it.harness.WebAdmin;

/**
 * DKIM signing end to end: an admin creates RSA and Ed25519 keys over WebAdmin; a user submits mail
 * on 587; the copy stored in a local mailbox (read raw over IMAP) and the copy relayed to a remote
 * domain (a test SMTP sink standing for its MX) both carry signatures that dkimpy (python3-dkim)
 * verifies with the DNS records WebAdmin handed out. Rotation takes effect without restart.
 */
class DkimSigningTest {
    static final SmtpSink remoteMx = SmtpSink.start();

    @RegisterExtension
    static final MailServerExtension server = new MailServerExtension()
        // Every remote domain is relayed through the sink instead of its MX.
        .withConfigurationEdit("mailetcontainer.xml", xml -> xml.replace(
            "<startTLS>true</startTLS>",
            "<startTLS>false</startTLS><gateway>127.0.0.1</gateway><gatewayPort>" + remoteMx.port() + "</gatewayPort>"))
        // Keys are re-read every second instead of every 10, so that the rotation test need not wait.
        .withConfigurationEdit("mailetcontainer.xml", xml -> xml.replace(
            "<keyCacheSeconds>10</keyCacheSeconds>", "<keyCacheSeconds>1</keyCacheSeconds>"));

    static final Duration DELIVERY = Duration.ofSeconds(30);
    static final String DOMAIN = "acme.test";
    static final String ALICE = "alice@" + DOMAIN;
    static final String ALICE_PASSWORD = "alice-Secret-1";
    static final String BOB = "bob@" + DOMAIN;
    static final String BOB_PASSWORD = "bob-Secret-2";
    static final String UNSIGNED_DOMAIN = "nokey.test";
    static final String CAROL = "carol@" + UNSIGNED_DOMAIN;
    static final String CAROL_PASSWORD = "carol-Secret-3";
    static final String ROTATING_DOMAIN = "rotate.test";
    static final String DAVE = "dave@" + ROTATING_DOMAIN;
    static final String DAVE_PASSWORD = "dave-Secret-4";
    static final String PARTNER = "partner@remote.test";
    /** What the domain owner publishes: DNS name to TXT value, as answered by WebAdmin. */
    static final Map<String, String> DNS = new HashMap<>();

    @BeforeAll
    static void createDomainsUsersAndKeys() {
        WebAdmin webAdmin = server.webAdmin();
        webAdmin.createDomain(DOMAIN);
        webAdmin.createDomain(UNSIGNED_DOMAIN);
        webAdmin.createDomain(ROTATING_DOMAIN);
        webAdmin.createUser(ALICE, ALICE_PASSWORD);
        webAdmin.createUser(BOB, BOB_PASSWORD);
        webAdmin.createUser(CAROL, CAROL_PASSWORD);
        webAdmin.createUser(DAVE, DAVE_PASSWORD);
        createKey(DOMAIN, "rsa", "rsa2026");
        createKey(DOMAIN, "ed25519", "ed2026");
    }

    @AfterAll
    static void stopSink() {
        remoteMx.close();
    }

    static JsonNode createKey(String domain, String algorithm, String selector) {
        WebAdmin.Response response = server.webAdmin().post("/dkim/keys/" + domain + "?algorithm=" + algorithm + "&selector=" + selector);
        assertThat(response.status()).as("POST /dkim/keys/%s answered %s", domain, response).isEqualTo(201);
        JsonNode key = response.json();
        DNS.put(key.get("dnsName").asText(), key.get("dnsRecord").asText());
        return key;
    }

    @Test
    void createdKeysAreListedActiveWithTheirDnsRecords() {
        WebAdmin.Response response = server.webAdmin().get("/dkim/keys/" + DOMAIN);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json()).hasSize(2).allSatisfy(key -> {
            assertThat(key.get("state").asText()).isEqualTo("active");
            assertThat(DNS).containsEntry(key.get("dnsName").asText(), key.get("dnsRecord").asText());
        });
        assertThat(response.body()).doesNotContainIgnoringCase("private");
    }

    @Test
    void keyForADomainThatIsNotOursIsRefusedWithAJsonError() {
        WebAdmin.Response response = server.webAdmin().post("/dkim/keys/not-ours.test?algorithm=rsa");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().get("statusCode").asInt()).isEqualTo(404);
        assertThat(response.json().get("type").asText()).isEqualTo("notFound");
        assertThat(response.json().get("message").asText()).contains("not-ours.test");
    }

    @Test
    void unknownAlgorithmIsRefusedWithAJsonError() {
        WebAdmin.Response response = server.webAdmin().post("/dkim/keys/" + DOMAIN + "?algorithm=dsa");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("type").asText()).isEqualTo("InvalidArgument");
    }

    @Test
    void messageDeliveredToALocalMailboxCarriesValidRsaAndEd25519Signatures() {
        String subject = submit(BOB, BOB_PASSWORD, ALICE);

        byte[] stored = Mailbox.imapWithStartTls(server.ports().imap(), ALICE, ALICE_PASSWORD).awaitRawMessage(subject, DELIVERY);

        assertBothSignaturesValid(PythonDkimVerifier.verify(stored, DNS));
    }

    @Test
    void messageRelayedToARemoteDomainCarriesValidRsaAndEd25519Signatures() {
        String subject = submit(BOB, BOB_PASSWORD, PARTNER);

        SmtpSink.Delivery relayed = remoteMx.awaitMessageContaining(subject, DELIVERY);

        assertThat(relayed.recipients()).containsExactly(PARTNER);
        assertBothSignaturesValid(PythonDkimVerifier.verify(relayed.data(), DNS));
    }

    @Test
    void messageFromADomainWithoutKeyIsDeliveredUnsigned() {
        String subject = submit(CAROL, CAROL_PASSWORD, ALICE);

        byte[] stored = Mailbox.imapWithStartTls(server.ports().imap(), ALICE, ALICE_PASSWORD).awaitRawMessage(subject, DELIVERY);

        assertThat(PythonDkimVerifier.verify(stored, DNS)).isEmpty();
    }

    @Test
    void rotatedKeySignsInsteadOfTheRetiredOneWithoutRestart() {
        createKey(ROTATING_DOMAIN, "ed25519", "old");
        String before = submit(DAVE, DAVE_PASSWORD, PARTNER);
        assertThat(PythonDkimVerifier.verify(remoteMx.awaitMessageContaining(before, DELIVERY).data(), DNS))
            .extracting(Result::selector, Result::valid).containsExactly(org.assertj.core.groups.Tuple.tuple("old", true));

        createKey(ROTATING_DOMAIN, "ed25519", "new");
        assertThat(server.webAdmin().post("/dkim/keys/" + ROTATING_DOMAIN + "/old/retire").status()).isEqualTo(204);
        sleep(Duration.ofMillis(1500));
        String after = submit(DAVE, DAVE_PASSWORD, PARTNER);

        assertThat(PythonDkimVerifier.verify(remoteMx.awaitMessageContaining(after, DELIVERY).data(), DNS))
            .extracting(Result::selector, Result::valid).containsExactly(org.assertj.core.groups.Tuple.tuple("new", true));
        assertThat(server.webAdmin().get("/dkim/keys/" + ROTATING_DOMAIN).json())
            .extracting(key -> key.get("selector").asText() + "=" + key.get("state").asText())
            .containsExactly("new=active", "old=retired");
    }

    private static void assertBothSignaturesValid(List<Result> signatures) {
        assertThat(signatures).extracting(Result::algorithm).containsExactlyInAnyOrder("rsa-sha256", "ed25519-sha256");
        assertThat(signatures).allSatisfy(signature -> {
            assertThat(signature.domain()).isEqualTo(DOMAIN);
            assertThat(signature.valid()).as("signature %s valid for python3-dkim (error %s)", signature, signature.error()).isTrue();
        });
    }

    /** Submits a fresh message on 587 (STARTTLS, AUTH PLAIN); returns its unique subject. */
    private static String submit(String from, String password, String to) {
        String subject = "DKIM " + from + " to " + to + " " + UUID.randomUUID();
        AuthenticatingSMTPClient client = Smtp.submission(server.ports().submission(), AUTH_METHOD.PLAIN, from, password);
        try {
            Smtp.send(client, from, to, subject, "Hello,\nthis message must arrive signed.\n\n-- \n" + from);
        } finally {
            Smtp.quit(client);
        }
        return subject;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
