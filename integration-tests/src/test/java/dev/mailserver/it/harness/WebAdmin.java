package dev.mailserver.it.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A thin client for James's WebAdmin REST API, as an admin uses it with curl. */
public final class WebAdmin {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An HTTP answer: status code and body as received. */
    public record Response(int status, String body) {
        /** The body parsed as JSON; fails the test if it is not JSON. */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("expected a JSON body but got: " + body, e);
            }
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    WebAdmin(URI base) {
        this.base = base;
    }

    public Response get(String path) {
        return send(request(path).GET().build());
    }

    public Response put(String path) {
        return send(request(path).PUT(HttpRequest.BodyPublishers.noBody()).build());
    }

    public Response post(String path) {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    public Response delete(String path) {
        return send(request(path).DELETE().build());
    }

    public Response putJson(String path, String json) {
        return send(request(path)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json))
            .build());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
    }

    private Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // The usual admin steps; each asserts WebAdmin's documented success answer (204 No Content).

    public void createDomain(String domain) {
        assertThat(put("/domains/" + domain)).as("PUT /domains/%s", domain)
            .extracting(Response::status).isEqualTo(204);
    }

    public void createUser(String address, String password) {
        Response response = putJson("/users/" + address, JSON.createObjectNode().put("password", password).toString());
        assertThat(response.status()).as("PUT /users/%s answered %s", address, response).isEqualTo(204);
    }

    public void createAlias(String alias, String user) {
        Response response = put("/address/aliases/" + user + "/sources/" + alias);
        assertThat(response.status()).as("PUT /address/aliases/%s/sources/%s answered %s", user, alias, response)
            .isEqualTo(204);
    }

    /** GET /domains: the domain names. */
    public List<String> domains() {
        return strings(getOk("/domains"), null);
    }

    /** GET /users: the user names. */
    public List<String> users() {
        return strings(getOk("/users"), "username");
    }

    /** GET /address/aliases/{user}: the alias addresses that deliver to the user. */
    public List<String> aliasesOf(String user) {
        return strings(getOk("/address/aliases/" + user), "source");
    }

    private JsonNode getOk(String path) {
        Response response = get(path);
        assertThat(response.status()).as("GET %s answered %s", path, response).isEqualTo(200);
        return response.json();
    }

    private static List<String> strings(JsonNode array, String field) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(field == null ? node.asText() : node.path(field).asText()));
        return values;
    }
}
