package dev.mailserver.bounce;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;
import javax.mail.internet.AddressException;

import org.apache.james.core.Domain;
import org.apache.james.core.MailAddress;
import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.apache.james.webadmin.utils.ErrorResponder.ErrorType;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.eclipse.jetty.http.HttpStatus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import spark.Request;
import spark.Response;
import spark.Service;

/**
 * WebAdmin for bounces:
 * <ul>
 *   <li>{@code GET /bounces/suppressions?domain=&offset=&limit=}: suppressed addresses, by domain then address;</li>
 *   <li>{@code GET /bounces/suppressions/{address}}: one, or 404;</li>
 *   <li>{@code PUT /bounces/suppressions/{address}}, optional body {@code {"reason": "..."}}: suppress by hand;</li>
 *   <li>{@code DELETE /bounces/suppressions/{address}}: send to it again (204 even when it was not suppressed);</li>
 *   <li>{@code GET /bounces/events?recipient=}: the bounces recorded for a recipient, newest first.</li>
 * </ul>
 * Errors are James's JSON bodies {@code {statusCode, type, message}}.
 */
public class BounceRoutes implements Routes {
    public static final String BASE_PATH = "/bounces";
    private static final String SUPPRESSIONS = BASE_PATH + "/suppressions";
    private static final String SUPPRESSION = SUPPRESSIONS + "/:address";
    private static final String EVENTS = BASE_PATH + "/events";
    private static final int DEFAULT_LIMIT = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SuppressionList suppressions;
    private final BounceEventStore events;
    private final JsonTransformer jsonTransformer;
    private final java.time.Clock clock;

    @Inject
    public BounceRoutes(SuppressionList suppressions, BounceEventStore events, JsonTransformer jsonTransformer) {
        this.suppressions = suppressions;
        this.events = events;
        this.jsonTransformer = jsonTransformer;
        this.clock = java.time.Clock.systemUTC();
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service service) {
        service.get(SUPPRESSIONS, this::list, jsonTransformer);
        service.get(SUPPRESSION, this::get, jsonTransformer);
        service.put(SUPPRESSION, this::put);
        service.delete(SUPPRESSION, this::delete);
        service.get(EVENTS, this::events, jsonTransformer);
    }

    private List<Map<String, Object>> list(Request request, Response response) {
        Optional<Domain> domain = Optional.ofNullable(request.queryParams("domain"))
            .map(value -> {
                try {
                    return Domain.of(value);
                } catch (IllegalArgumentException e) {
                    throw badRequest("Invalid domain '" + value + "': " + e.getMessage());
                }
            });
        int offset = nonNegative(request, "offset", 0);
        int limit = nonNegative(request, "limit", DEFAULT_LIMIT);
        if (limit == 0) {
            throw badRequest("limit must be at least 1");
        }
        return suppressions.list(domain, offset, limit).stream().map(BounceRoutes::toJson).toList();
    }

    private Map<String, Object> get(Request request, Response response) {
        MailAddress address = address(request);
        return suppressions.find(address)
            .map(BounceRoutes::toJson)
            .orElseThrow(() -> ErrorResponder.builder()
                .statusCode(HttpStatus.NOT_FOUND_404)
                .type(ErrorType.NOT_FOUND)
                .message("%s is not suppressed", address.asString())
                .haltError());
    }

    private String put(Request request, Response response) {
        MailAddress address = address(request);
        String reason = "suppressed by an administrator";
        if (!request.body().isBlank()) {
            try {
                JsonNode body = JSON.readTree(request.body());
                if (!body.isObject()) {
                    throw badRequest("The body must be a JSON object such as {\"reason\": \"...\"}");
                }
                if (body.hasNonNull("reason")) {
                    reason = body.get("reason").asText();
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw badRequest("The body is not valid JSON: " + e.getOriginalMessage());
            }
        }
        suppressions.suppress(new Suppression(address, Suppression.MANUAL, reason, clock.instant()));
        response.status(HttpStatus.NO_CONTENT_204);
        return "";
    }

    private String delete(Request request, Response response) {
        suppressions.remove(address(request));
        response.status(HttpStatus.NO_CONTENT_204);
        return "";
    }

    private List<Map<String, Object>> events(Request request, Response response) {
        String recipient = request.queryParams("recipient");
        if (recipient == null || recipient.isBlank()) {
            throw badRequest("The recipient query parameter is required: /bounces/events?recipient=bob@example.com");
        }
        return events.eventsOf(parseAddress(recipient)).stream().map(BounceRoutes::toJson).toList();
    }

    private static MailAddress address(Request request) {
        return parseAddress(URLDecoder.decode(request.params(":address"), StandardCharsets.UTF_8));
    }

    private static MailAddress parseAddress(String value) {
        try {
            return new MailAddress(value);
        } catch (AddressException e) {
            throw badRequest("Invalid mail address '" + value + "': " + e.getMessage());
        }
    }

    private static int nonNegative(Request request, String name, int defaultValue) {
        String value = request.queryParams(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            int number = Integer.parseInt(value);
            if (number < 0) {
                throw new NumberFormatException();
            }
            return number;
        } catch (NumberFormatException e) {
            throw badRequest(name + " must be a non-negative integer, not '" + value + "'");
        }
    }

    private static spark.HaltException badRequest(String message) {
        return ErrorResponder.builder()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .type(ErrorType.INVALID_ARGUMENT)
            .message(message)
            .haltError();
    }

    private static Map<String, Object> toJson(Suppression suppression) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("address", suppression.address().asString());
        json.put("status", suppression.status());
        json.put("reason", suppression.reason());
        json.put("since", suppression.since().toString());
        return json;
    }

    private static Map<String, Object> toJson(BounceEvent event) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("recipient", event.recipient().asString());
        json.put("at", event.at().toString());
        json.put("kind", event.kind().name().toLowerCase(java.util.Locale.ROOT));
        json.put("status", event.status());
        event.diagnostic().ifPresent(diagnostic -> json.put("diagnostic", diagnostic));
        event.remoteMta().ifPresent(mta -> json.put("remoteMta", mta));
        json.put("source", event.source());
        return json;
    }
}
