package dev.mailserver.search;

import javax.inject.Inject;

import org.apache.james.core.healthcheck.ComponentName;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.core.healthcheck.Result;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * "Degraded", not "unhealthy", when OpenSearch does not answer: mail is still received, stored and
 * read; only SEARCH fails, and the missed index updates are replayed later (see {@link DeadLetterRedelivery}).
 */
public class OpenSearchHealthCheck implements HealthCheck {
    private static final ComponentName COMPONENT = new ComponentName("OpenSearch search index");

    private final OpenSearchConnection connection;
    private final OpenSearchConfiguration configuration;

    @Inject
    public OpenSearchHealthCheck(OpenSearchConnection connection, OpenSearchConfiguration configuration) {
        this.connection = connection;
        this.configuration = configuration;
    }

    @Override
    public ComponentName componentName() {
        return COMPONENT;
    }

    @Override
    public Mono<Result> check() {
        return Mono.fromCallable(() -> connection.answers()
                ? Result.healthy(COMPONENT)
                : Result.degraded(COMPONENT, "OpenSearch at " + configuration.hosts() + " does not answer: SEARCH fails "
                    + "and index updates wait in the event dead letters"))
            .subscribeOn(Schedulers.boundedElastic());
    }
}
