package dev.mailserver.search;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.annotation.PreDestroy;
import javax.inject.Inject;

import org.apache.james.events.Event;
import org.apache.james.events.EventDeadLetters;
import org.apache.james.lifecycle.api.Startable;
import org.apache.james.mailbox.exception.MailboxException;
import org.apache.james.mailbox.indexer.ReIndexer;
import org.apache.james.task.TaskId;
import org.apache.james.task.TaskManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the index complete. Each round (at start, then every {@code opensearch.redelivery.interval.seconds})
 * first creates the index if OpenSearch answers and it is missing, and then starts a full reindex task
 * (visible in WebAdmin's {@code /tasks}) because a new index lacks everything indexed before: the first
 * start of a server that already held mail, or a wiped cluster. Then it gives the index the events it missed. When OpenSearch is unreachable longer than the event bus retries
 * last, the mailbox events for the index land in the event dead letters (stored in Cassandra, so they
 * survive a restart). At start and then every {@code opensearch.redelivery.interval.seconds}, while
 * such events wait and OpenSearch answers, they are handed to the index one by one, oldest first, and
 * removed once indexed; the first failure stops the round and leaves the rest for the next one.
 *
 * <p>Replaying an old event is safe: an Added event re-reads the messages as they are now (an expunged
 * one is skipped, flags are current), expunges and mailbox deletions are idempotent.
 */
public class DeadLetterRedelivery implements Startable {
    private static final Logger LOGGER = LoggerFactory.getLogger(DeadLetterRedelivery.class);
    private static final Duration EVENT_TIMEOUT = Duration.ofMinutes(2);

    private final EventDeadLetters deadLetters;
    private final OpenSearchMessageSearchIndex searchIndex;
    private final OpenSearchConnection connection;
    private final MailboxIndex index;
    private final OpenSearchConfiguration configuration;
    private final ReIndexer reIndexer;
    private final TaskManager taskManager;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "opensearch-dead-letter-redelivery");
        thread.setDaemon(true);
        return thread;
    });

    @Inject
    public DeadLetterRedelivery(EventDeadLetters deadLetters, OpenSearchMessageSearchIndex searchIndex,
                                OpenSearchConnection connection, MailboxIndex index,
                                OpenSearchConfiguration configuration, ReIndexer reIndexer, TaskManager taskManager) {
        this.reIndexer = reIndexer;
        this.taskManager = taskManager;
        this.deadLetters = deadLetters;
        this.searchIndex = searchIndex;
        this.connection = connection;
        this.index = index;
        this.configuration = configuration;
    }

    /** Schedules the rounds, the first one now. */
    public void start() {
        if (!connection.answers()) {
            LOGGER.warn("OpenSearch at {} does not answer at start: mail is accepted and indexed once it does; "
                + "SEARCH fails until then", configuration.hosts());
        }
        long interval = configuration.redeliveryInterval().toSeconds();
        if (interval > 0) {
            scheduler.scheduleWithFixedDelay(this::redeliverSafely, 0, interval, TimeUnit.SECONDS);
        } else {
            scheduler.execute(this::redeliverSafely);
        }
    }

    private void redeliverSafely() {
        try {
            reindexIfCreated();
            redeliver();
        } catch (RuntimeException e) {
            LOGGER.warn("Redelivery of index events from the dead letters failed; next try in {} s",
                configuration.redeliveryInterval().toSeconds(), e);
        }
    }

    private void reindexIfCreated() {
        if (!connection.answers()) {
            return;
        }
        try {
            index.ensureExists();
        } catch (Exception e) {
            LOGGER.warn("Cannot create the OpenSearch index {}: {}", index.name(), e.toString());
            return;
        }
        if (index.takeReindexRequest()) {
            try {
                TaskId task = taskManager.submit(reIndexer.reIndex(ReIndexer.RunningOptions.builder()
                    .mode(ReIndexer.RunningOptions.Mode.REBUILD_ALL_NO_CLEANUP)
                    .messagesPerSeconds(Optional.of(configuration.reindexMessagesPerSecond()))
                    .build()));
                LOGGER.info("Full reindex into the new index started: WebAdmin task {}", task.asString());
            } catch (MailboxException e) {
                LOGGER.error("Could not start the full reindex of the new index; start it with POST /mailboxes?task=reIndex", e);
            }
        }
    }

    /** One redelivery round; returns how many events were indexed. */
    public int redeliver() {
        List<EventDeadLetters.InsertionId> waiting = deadLetters.failedIds(OpenSearchMessageSearchIndex.GROUP)
            .collectList().block();
        if (waiting == null || waiting.isEmpty()) {
            return 0;
        }
        if (!connection.answers()) {
            LOGGER.info("{} index events wait in the dead letters; OpenSearch does not answer yet", waiting.size());
            return 0;
        }
        int done = 0;
        for (EventDeadLetters.InsertionId id : waiting) {
            Event event = deadLetters.failedEvent(OpenSearchMessageSearchIndex.GROUP, id).block();
            if (event != null && searchIndex.isHandling(event)) {
                try {
                    searchIndex.apply(event).block(EVENT_TIMEOUT);
                } catch (RuntimeException e) {
                    LOGGER.warn("Redelivered {} of {} index events; stopped at event {}: {}", done, waiting.size(),
                        event.getEventId().getId(), e.toString());
                    return done;
                }
            }
            deadLetters.remove(OpenSearchMessageSearchIndex.GROUP, id).block();
            done++;
        }
        LOGGER.info("Redelivered {} index events from the dead letters", done);
        return done;
    }

    @PreDestroy
    public void stop() {
        scheduler.shutdownNow();
    }
}
