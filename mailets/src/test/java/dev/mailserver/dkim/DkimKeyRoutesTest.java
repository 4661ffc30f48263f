package dev.mailserver.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;

import org.apache.james.core.Domain;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import spark.Service;

/** The /dkim/keys routes on a real HTTP port, over the memory key store. */
class DkimKeyRoutesTest {
    static final Domain ACME = Domain.of("acme.test");
    static final ObjectMapper JSON = new ObjectMapper();

    record Answer(int status, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    MemoryDkimKeyStore store;
    Service service;
    URI base;
    HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        store = new MemoryDkimKeyStore();
        DomainList domainList = mock(DomainList.class);
        when(domainList.containsDomain(any())).thenReturn(false);
        when(domainList.containsDomain(ACME)).thenReturn(true);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        service = Service.ignite().ipAddress("127.0.0.1").port(port);
        new DkimKeyRoutes(store, domainList, new JsonTransformer(),
            Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC)).define(service);
        service.init();
        service.awaitInitialization();
        base = URI.create("http://127.0.0.1:" + port);
    }

    @AfterEach
    void stop() {
        service.stop();
        service.awaitStop();
    }

    @Test
    void creatingAnRsaKeyAnswersTheDnsRecordToPublish() throws Exception {
        Answer answer = post("/dkim/keys/acme.test?algorithm=rsa&selector=mail2026");

        assertThat(answer.status()).isEqualTo(201);
        JsonNode json = answer.json();
        assertThat(json.get("domain").asText()).isEqualTo("acme.test");
        assertThat(json.get("selector").asText()).isEqualTo("mail2026");
        assertThat(json.get("algorithm").asText()).isEqualTo("rsa");
        assertThat(json.get("dnsName").asText()).isEqualTo("mail2026._domainkey.acme.test");
        assertThat(json.get("dnsRecord").asText()).startsWith("v=DKIM1; k=rsa; p=MIIBIjAN");
        assertThat(json.fieldNames()).toIterable()
            .containsExactlyInAnyOrder("domain", "selector", "algorithm", "dnsName", "dnsRecord");
    }

    @Test
    void creatingAnEd25519KeyStoresAnActiveKeyWhoseRecordMatches() throws Exception {
        Answer answer = post("/dkim/keys/acme.test?algorithm=ed25519&selector=ed");

        assertThat(answer.status()).isEqualTo(201);
        assertThat(store.get(ACME, "ed")).hasValueSatisfying(key -> {
            assertThat(key.isActive()).isTrue();
            assertThat(key.algorithm()).isEqualTo(DkimAlgorithm.ED25519);
        });
        assertThat(answer.json().get("dnsRecord").asText()).isEqualTo(store.get(ACME, "ed").get().dnsRecord());
    }

    @Test
    void defaultSelectorIsTheAlgorithmAndTheDateThenNumbered() throws Exception {
        assertThat(post("/dkim/keys/acme.test?algorithm=ed25519").json().get("selector").asText()).isEqualTo("ed25519-20261123");
        assertThat(post("/dkim/keys/acme.test?algorithm=ed25519").json().get("selector").asText()).isEqualTo("ed25519-20261123-2");
    }

    @Test
    void rsaKeyOf4096BitsCanBeAskedFor() throws Exception {
        Answer answer = post("/dkim/keys/acme.test?algorithm=rsa&bits=4096");

        assertThat(answer.status()).isEqualTo(201);
        String p = answer.json().get("dnsRecord").asText().replaceFirst(".*p=", "");
        assertThat(Base64.getDecoder().decode(p).length).isGreaterThan(512);
    }

    @Test
    void listingShowsEveryKeyWithItsStateAndNoPrivateKey() throws Exception {
        post("/dkim/keys/acme.test?algorithm=ed25519&selector=old");
        post("/dkim/keys/acme.test?algorithm=ed25519&selector=new");
        post("/dkim/keys/acme.test/old/retire");

        Answer answer = get("/dkim/keys/acme.test");

        assertThat(answer.status()).isEqualTo(200);
        JsonNode keys = answer.json();
        assertThat(keys).hasSize(2);
        assertThat(keys.get(0).get("selector").asText()).isEqualTo("new");
        assertThat(keys.get(0).get("state").asText()).isEqualTo("active");
        assertThat(keys.get(1).get("selector").asText()).isEqualTo("old");
        assertThat(keys.get(1).get("state").asText()).isEqualTo("retired");
        assertThat(keys.get(1).get("dnsRecord").asText()).startsWith("v=DKIM1; k=ed25519; p=");
        assertThat(answer.body()).doesNotContainIgnoringCase("private")
            .doesNotContain(Base64.getEncoder().encodeToString(store.get(ACME, "old").get().privateKeyPkcs8()));
    }

    @Test
    void domainWithoutKeysListsNothing() throws Exception {
        assertThat(get("/dkim/keys/acme.test")).isEqualTo(new Answer(200, "[]"));
    }

    @Test
    void retiringAnswers204AndStopsTheKeyFromSigning() throws Exception {
        post("/dkim/keys/acme.test?algorithm=ed25519&selector=ed");

        assertThat(post("/dkim/keys/acme.test/ed/retire").status()).isEqualTo(204);

        assertThat(store.get(ACME, "ed").get().isActive()).isFalse();
    }

    @Test
    void deletingAnswers204AndRemovesTheKey() throws Exception {
        post("/dkim/keys/acme.test?algorithm=ed25519&selector=ed");

        assertThat(delete("/dkim/keys/acme.test/ed").status()).isEqualTo(204);

        assertThat(store.list(ACME)).isEmpty();
    }

    @Test
    void unknownDomainIsNotFound() throws Exception {
        assertError(post("/dkim/keys/unknown.test?algorithm=rsa"), 404, "notFound", "unknown.test");
        assertError(get("/dkim/keys/unknown.test"), 404, "notFound", "unknown.test");
    }

    @Test
    void invalidDomainNameIsABadRequest() throws Exception {
        assertError(get("/dkim/keys/acme..test"), 400, "InvalidArgument", "domain");
    }

    @Test
    void unknownAlgorithmIsABadRequest() throws Exception {
        assertError(post("/dkim/keys/acme.test?algorithm=dsa"), 400, "InvalidArgument", "algorithm");
    }

    @Test
    void missingAlgorithmIsABadRequest() throws Exception {
        assertError(post("/dkim/keys/acme.test"), 400, "InvalidArgument", "algorithm");
    }

    @Test
    void invalidSelectorIsABadRequest() throws Exception {
        assertError(post("/dkim/keys/acme.test?algorithm=ed25519&selector=bad_selector"), 400, "InvalidArgument", "selector");
        assertError(post("/dkim/keys/acme.test/Bad%20Selector/retire"), 400, "InvalidArgument", "selector");
    }

    @Test
    void weakOrMeaninglessBitsAreABadRequest() throws Exception {
        assertError(post("/dkim/keys/acme.test?algorithm=rsa&bits=1024"), 400, "InvalidArgument", "bits");
        assertError(post("/dkim/keys/acme.test?algorithm=ed25519&bits=2048"), 400, "InvalidArgument", "bits");
        assertThat(store.list(ACME)).isEmpty();
    }

    @Test
    void takenSelectorIsAConflictAndTheFirstKeyStays() throws Exception {
        post("/dkim/keys/acme.test?algorithm=ed25519&selector=ed");
        String publicKey = store.get(ACME, "ed").get().publicKey();

        assertError(post("/dkim/keys/acme.test?algorithm=ed25519&selector=ed"), 409, "WrongState", "ed");

        assertThat(store.get(ACME, "ed").get().publicKey()).isEqualTo(publicKey);
    }

    @Test
    void retiringOrDeletingAnUnknownKeyIsNotFound() throws Exception {
        assertError(post("/dkim/keys/acme.test/nope/retire"), 404, "notFound", "nope");
        assertError(delete("/dkim/keys/acme.test/nope"), 404, "notFound", "nope");
    }

    private static void assertError(Answer answer, int status, String type, String messagePart) throws IOException {
        assertThat(answer.status()).as("%s", answer).isEqualTo(status);
        JsonNode json = answer.json();
        assertThat(json.get("statusCode").asInt()).isEqualTo(status);
        assertThat(json.get("type").asText()).isEqualTo(type);
        assertThat(json.get("message").asText()).contains(messagePart);
    }

    private Answer get(String path) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    private Answer post(String path) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    private Answer delete(String path) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).DELETE());
    }

    private Answer send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body());
    }
}
