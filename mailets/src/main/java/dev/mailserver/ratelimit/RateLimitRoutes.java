package dev.mailserver.ratelimit;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.inject.Inject;

import org.apache.james.core.Domain;
import org.apache.james.core.Username;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.domainlist.api.DomainListException;
import org.apache.james.user.api.UsersRepository;
import org.apache.james.user.api.UsersRepositoryException;
import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.apache.james.webadmin.utils.ErrorResponder.ErrorType;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.eclipse.jetty.http.HttpStatus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import spark.Request;
import spark.Response;
import spark.Service;

/**
 * WebAdmin {@code /ratelimits}: per-user and per-domain limits, changed live.
 * <ul>
 *   <li>{@code PUT /ratelimits/users/{user}} and {@code PUT /ratelimits/domains/{domain}} with a body such as
 *       {@code {"perMinute":{"messages":5},"perHour":{"messages":100,"recipients":500},"perDay":{"bytes":"500M"}}}
 *       replace the override of that user or domain: the (window, metric) pairs it names replace the
 *       defaults of conf/ratelimit.properties, the others keep them. 204.</li>
 *   <li>{@code GET} the same paths: the effective limits, the override if any, and the current usage of
 *       each limited window with the time it resets. 200.</li>
 *   <li>{@code DELETE}: back to the defaults. 204.</li>
 * </ul>
 * A domain limit bounds the domain's users together. Errors are JSON {@code {statusCode, type, message}}:
 * 400 for a malformed body (unknown window or metric, negative or non-integer number, bad size) or a
 * user of a domain we do not serve, 404 for an unknown user or domain.
 */
public class RateLimitRoutes implements Routes {
    public static final String BASE_PATH = "/ratelimits";
    private static final String USER_PATH = BASE_PATH + "/users/:user";
    private static final String DOMAIN_PATH = BASE_PATH + "/domains/:domain";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RateLimiter limiter;
    private final UsersRepository users;
    private final DomainList domains;
    private final JsonTransformer jsonTransformer = new JsonTransformer();

    @Inject
    public RateLimitRoutes(RateLimiter limiter, UsersRepository users, DomainList domains) {
        this.limiter = limiter;
        this.users = users;
        this.domains = domains;
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service service) {
        service.get(USER_PATH, (request, response) -> describe(userKey(request)), jsonTransformer);
        service.put(USER_PATH, (request, response) -> set(userKey(request), request, response));
        service.delete(USER_PATH, (request, response) -> remove(userKey(request), response));
        service.get(DOMAIN_PATH, (request, response) -> describe(domainKey(request)), jsonTransformer);
        service.put(DOMAIN_PATH, (request, response) -> set(domainKey(request), request, response));
        service.delete(DOMAIN_PATH, (request, response) -> remove(domainKey(request), response));
    }

    private Map<String, Object> describe(RateLimitKey key) {
        RateLimits effective = limiter.policy().effective(key);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put(key.type().configName(), key.value());
        body.put("limits", effective.asJsonMap());
        body.put("override", limiter.policy().overrides().get(key).map(RateLimits::asJsonMap).orElse(null));
        Map<String, Object> usage = new LinkedHashMap<>();
        limiter.usage(key, effective).forEach((window, used) -> {
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("messages", used.messages());
            values.put("recipients", used.recipients());
            values.put("bytes", used.bytes());
            values.put("resetsAt", window.bucketEnd(window.bucket(limiter.now())).toString());
            usage.put(window.jsonName(), values);
        });
        body.put("usage", usage);
        return body;
    }

    private String set(RateLimitKey key, Request request, Response response) {
        RateLimits limits;
        try {
            limits = parse(request.body());
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        }
        limiter.policy().overrides().set(key, limits);
        response.status(HttpStatus.NO_CONTENT_204);
        return "";
    }

    private String remove(RateLimitKey key, Response response) {
        limiter.policy().overrides().remove(key);
        response.status(HttpStatus.NO_CONTENT_204);
        return "";
    }

    /**
     * Strict: any field we do not know is an error, so that a typo never silently means "no limit".
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static RateLimits parse(String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body == null ? "" : body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("The body is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("The body must be a JSON object such as {\"perHour\":{\"messages\":100}}");
        }
        RateLimits.Builder limits = RateLimits.builder();
        for (Iterator<Map.Entry<String, JsonNode>> windows = root.fields(); windows.hasNext(); ) {
            Map.Entry<String, JsonNode> window = windows.next();
            RateLimitWindow parsedWindow = RateLimits.window(window.getKey());
            if (!window.getValue().isObject()) {
                throw new IllegalArgumentException(window.getKey() + " must be an object such as {\"messages\":100}");
            }
            for (Iterator<Map.Entry<String, JsonNode>> metrics = window.getValue().fields(); metrics.hasNext(); ) {
                Map.Entry<String, JsonNode> metric = metrics.next();
                RateLimitMetric parsedMetric = RateLimits.metric(metric.getKey());
                limits.limit(parsedWindow, parsedMetric,
                    value(window.getKey() + "." + metric.getKey(), parsedMetric, metric.getValue()));
            }
        }
        return limits.build();
    }

    private static long value(String name, RateLimitMetric metric, JsonNode node) {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return RateLimits.parseValue(name, metric, node.asText());
        }
        if (node.isTextual() && metric == RateLimitMetric.BYTES) {
            return RateLimits.parseValue(name, metric, node.asText());
        }
        throw new IllegalArgumentException(name + " must be a non-negative integer"
            + (metric == RateLimitMetric.BYTES ? " or a size string such as \"500M\"" : "") + ", got " + node);
    }

    private RateLimitKey userKey(Request request) throws UsersRepositoryException, DomainListException {
        Username user;
        try {
            user = Username.of(request.params("user"));
        } catch (IllegalArgumentException e) {
            throw badRequest("Invalid user name '" + request.params("user") + "': " + e.getMessage());
        }
        if (user.getDomainPart().isPresent() && !domains.containsDomain(user.getDomainPart().get())) {
            throw badRequest("The domain of " + user.asString() + " is not a domain of this server");
        }
        if (!users.contains(user)) {
            throw notFound("No user " + user.asString());
        }
        return RateLimitKey.user(user.asString());
    }

    private RateLimitKey domainKey(Request request) throws DomainListException {
        Domain domain;
        try {
            domain = Domain.of(request.params("domain"));
        } catch (IllegalArgumentException e) {
            throw badRequest("Invalid domain name '" + request.params("domain") + "': " + e.getMessage());
        }
        if (!domains.containsDomain(domain)) {
            throw notFound("No domain " + domain.asString() + " on this server");
        }
        return RateLimitKey.domain(domain.asString());
    }

    private static RuntimeException badRequest(String message) {
        return ErrorResponder.builder()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .type(ErrorType.INVALID_ARGUMENT)
            .message(message)
            .haltError();
    }

    private static RuntimeException notFound(String message) {
        return ErrorResponder.builder()
            .statusCode(HttpStatus.NOT_FOUND_404)
            .type(ErrorType.NOT_FOUND)
            .message(message)
            .haltError();
    }
}
