package dev.mailserver.dkim;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

import javax.inject.Inject;

import org.apache.james.core.Domain;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.domainlist.api.DomainListException;
import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.apache.james.webadmin.utils.ErrorResponder.ErrorType;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.apache.james.webadmin.utils.Responses;
import org.eclipse.jetty.http.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import spark.HaltException;
import spark.Request;
import spark.Response;
import spark.Service;

/**
 * DKIM key management over WebAdmin. Private keys never leave the server: answers carry the DNS record
 * to publish, nothing else.
 * <ul>
 *   <li>{@code POST /dkim/keys/{domain}?algorithm=rsa|ed25519[&selector=...][&bits=2048|3072|4096]}
 *   creates an active key: {@code 201} with {@code {domain, selector, algorithm, dnsName, dnsRecord}}.
 *   The selector defaults to {@code {algorithm}-{yyyyMMdd}}; RSA keys have 2048 bits unless told.</li>
 *   <li>{@code GET /dkim/keys/{domain}}: the keys with their state ({@code active} or {@code retired}).</li>
 *   <li>{@code POST /dkim/keys/{domain}/{selector}/retire}: stops signing with the key, keeps it listed
 *   so that its DNS record stays published while signed mail is in flight. {@code 204}.</li>
 *   <li>{@code DELETE /dkim/keys/{domain}/{selector}}: removes the key. {@code 204}.</li>
 * </ul>
 * Errors are JSON {@code {statusCode, type, message}}: {@code 400} for a bad domain name, algorithm,
 * selector or bits, {@code 404} for a domain that is not ours or an unknown selector, {@code 409} when
 * the selector is taken.
 */
public class DkimKeyRoutes implements Routes {
    public static final String BASE_PATH = "/dkim/keys";
    private static final Logger LOGGER = LoggerFactory.getLogger(DkimKeyRoutes.class);
    private static final String DOMAIN = ":domain";
    private static final String SELECTOR = ":selector";
    private static final String DOMAIN_PATH = BASE_PATH + "/" + DOMAIN;
    private static final String KEY_PATH = DOMAIN_PATH + "/" + SELECTOR;
    private static final DateTimeFormatter SELECTOR_DATE = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);
    private static final int MAX_DEFAULT_SELECTOR_ATTEMPTS = 20;

    /** The answer to a creation. */
    public record CreatedKey(String domain, String selector, String algorithm, String dnsName, String dnsRecord) {
    }

    /** One key in a listing. */
    public record ListedKey(String domain, String selector, String algorithm, String state, String createdAt,
                            String dnsName, String dnsRecord) {
        static ListedKey of(DkimKey key) {
            return new ListedKey(key.domain().asString(), key.selector(), key.algorithm().keyType(),
                key.state().asString(), key.createdAt().toString(), key.dnsName(), key.dnsRecord());
        }
    }

    private final DkimKeyStore store;
    private final DomainList domainList;
    private final JsonTransformer jsonTransformer;
    private final Clock clock;

    @Inject
    public DkimKeyRoutes(DkimKeyStore store, DomainList domainList, JsonTransformer jsonTransformer) {
        this(store, domainList, jsonTransformer, Clock.systemUTC());
    }

    DkimKeyRoutes(DkimKeyStore store, DomainList domainList, JsonTransformer jsonTransformer, Clock clock) {
        this.store = store;
        this.domainList = domainList;
        this.jsonTransformer = jsonTransformer;
        this.clock = clock;
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service service) {
        service.post(DOMAIN_PATH, this::create, jsonTransformer);
        service.get(DOMAIN_PATH, this::list, jsonTransformer);
        service.post(KEY_PATH + "/retire", this::retire);
        service.delete(KEY_PATH, this::delete);
    }

    private CreatedKey create(Request request, Response response) {
        Domain domain = localDomain(request);
        DkimAlgorithm algorithm = algorithm(request);
        int bits = bits(request, algorithm);
        Optional<String> requestedSelector = Optional.ofNullable(request.queryParams("selector"));
        requestedSelector.ifPresent(DkimKeyRoutes::checkSelector);

        Instant now = clock.instant();
        DkimKey key = requestedSelector
            .map(selector -> addOrConflict(DkimKey.generate(domain, selector, algorithm, bits, now)))
            .orElseGet(() -> addWithDefaultSelector(domain, algorithm, bits, now));
        LOGGER.info("DKIM key {} created", key);
        response.status(HttpStatus.CREATED_201);
        return new CreatedKey(domain.asString(), key.selector(), algorithm.keyType(), key.dnsName(), key.dnsRecord());
    }

    private DkimKey addOrConflict(DkimKey key) {
        if (!store.add(key)) {
            throw ErrorResponder.builder()
                .statusCode(HttpStatus.CONFLICT_409)
                .type(ErrorType.WRONG_STATE)
                .message("Domain %s already has a DKIM key with selector '%s': choose another selector, or delete that key first",
                    key.domain().asString(), key.selector())
                .haltError();
        }
        return key;
    }

    /** {@code rsa-20261123}, then {@code rsa-20261123-2}... when keys were already created today. */
    private DkimKey addWithDefaultSelector(Domain domain, DkimAlgorithm algorithm, int bits, Instant now) {
        String base = algorithm.keyType() + "-" + SELECTOR_DATE.format(now);
        DkimKey key = DkimKey.generate(domain, base, algorithm, bits, now);
        for (int attempt = 1; attempt <= MAX_DEFAULT_SELECTOR_ATTEMPTS; attempt++) {
            String selector = attempt == 1 ? base : base + "-" + attempt;
            DkimKey candidate = new DkimKey(domain, selector, algorithm, key.state(), now, key.publicKey(), key.privateKeyPkcs8());
            if (store.add(candidate)) {
                return candidate;
            }
        }
        throw ErrorResponder.builder()
            .statusCode(HttpStatus.CONFLICT_409)
            .type(ErrorType.WRONG_STATE)
            .message("Domain %s already has %d keys created today: pass a selector", domain.asString(), MAX_DEFAULT_SELECTOR_ATTEMPTS)
            .haltError();
    }

    private List<ListedKey> list(Request request, Response response) {
        return store.list(localDomain(request)).stream().map(ListedKey::of).toList();
    }

    private String retire(Request request, Response response) {
        Domain domain = localDomain(request);
        String selector = selector(request);
        if (!store.retire(domain, selector)) {
            throw unknownKey(domain, selector);
        }
        LOGGER.info("DKIM key {}._domainkey.{} retired", selector, domain.asString());
        return Responses.returnNoContent(response);
    }

    private String delete(Request request, Response response) {
        Domain domain = localDomain(request);
        String selector = selector(request);
        if (!store.delete(domain, selector)) {
            throw unknownKey(domain, selector);
        }
        LOGGER.info("DKIM key {}._domainkey.{} deleted", selector, domain.asString());
        return Responses.returnNoContent(response);
    }

    private Domain localDomain(Request request) {
        String name = request.params(DOMAIN);
        Domain domain;
        try {
            domain = Domain.of(name);
        } catch (IllegalArgumentException e) {
            throw badRequest("Invalid domain name '%s'", name);
        }
        boolean local;
        try {
            local = domainList.containsDomain(domain);
        } catch (DomainListException e) {
            throw ErrorResponder.builder()
                .statusCode(HttpStatus.INTERNAL_SERVER_ERROR_500)
                .type(ErrorType.SERVER_ERROR)
                .message("Cannot check whether %s is a local domain", domain.asString())
                .cause(e)
                .haltError();
        }
        if (!local) {
            throw ErrorResponder.builder()
                .statusCode(HttpStatus.NOT_FOUND_404)
                .type(ErrorType.NOT_FOUND)
                .message("Domain %s is not a local domain: create it first (PUT /domains/%s)", domain.asString(), domain.asString())
                .haltError();
        }
        return domain;
    }

    private static DkimAlgorithm algorithm(Request request) {
        String value = request.queryParams("algorithm");
        return DkimAlgorithm.ofKeyType(value)
            .orElseThrow(() -> badRequest("Query parameter 'algorithm' must be 'rsa' or 'ed25519', not '%s'", value));
    }

    private static int bits(Request request, DkimAlgorithm algorithm) {
        String value = request.queryParams("bits");
        if (value == null) {
            return DkimAlgorithm.DEFAULT_RSA_BITS;
        }
        if (algorithm != DkimAlgorithm.RSA) {
            throw badRequest("Query parameter 'bits' only applies to RSA keys; Ed25519 keys have a fixed size");
        }
        try {
            int bits = Integer.parseInt(value.trim());
            if (DkimAlgorithm.RSA_BITS.contains(bits)) {
                return bits;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw badRequest("Query parameter 'bits' must be 2048, 3072 or 4096, not '%s'", value);
    }

    private static String selector(Request request) {
        String selector = request.params(SELECTOR);
        checkSelector(selector);
        return selector;
    }

    private static void checkSelector(String selector) {
        if (!DkimKey.isValidSelector(selector)) {
            throw badRequest("Invalid selector '%s': use lower-case DNS labels (letters, digits, inner hyphens, dots), "
                + "at most 63 characters", selector == null ? "" : selector);
        }
    }

    private static HaltException unknownKey(Domain domain, String selector) {
        return ErrorResponder.builder()
            .statusCode(HttpStatus.NOT_FOUND_404)
            .type(ErrorType.NOT_FOUND)
            .message("Domain %s has no DKIM key with selector '%s'", domain.asString(), selector)
            .haltError();
    }

    private static HaltException badRequest(String message, Object... arguments) {
        return ErrorResponder.builder()
            .statusCode(HttpStatus.BAD_REQUEST_400)
            .type(ErrorType.INVALID_ARGUMENT)
            .message(message, arguments)
            .haltError();
    }
}
