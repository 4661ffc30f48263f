package dev.mailserver.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import javax.inject.Inject;
import javax.mail.Flags;

import org.apache.james.events.Event;
import org.apache.james.events.EventDeadLetters;
import org.apache.james.events.Group;
import org.apache.james.mailbox.MailboxManager;
import org.apache.james.mailbox.MailboxSession;
import org.apache.james.mailbox.MessageUid;
import org.apache.james.mailbox.SessionProvider;
import org.apache.james.mailbox.exception.MailboxException;
import org.apache.james.mailbox.model.Mailbox;
import org.apache.james.mailbox.model.MailboxId;
import org.apache.james.mailbox.model.MessageId;
import org.apache.james.mailbox.model.SearchQuery;
import org.apache.james.mailbox.model.UpdatedFlags;
import org.apache.james.mailbox.store.MailboxSessionMapperFactory;
import org.apache.james.mailbox.store.mail.model.MailboxMessage;
import org.apache.james.mailbox.store.search.ListeningMessageSearchIndex;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.Conflicts;
import org.opensearch.client.opensearch._types.FieldValue;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch._types.SortOptions;
import org.opensearch.client.opensearch._types.query_dsl.Query;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.GetResponse;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;
import org.opensearch.client.opensearch.core.search.Hit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * James's message search index kept in OpenSearch. As a group listener of the mailbox event bus it
 * indexes added messages, rewrites flags, removes expunged messages and deleted mailboxes. IMAP SEARCH
 * is answered from the index through {@link SearchQueryTranslator}.
 *
 * <p>An event the index cannot apply is stored at once in the event dead letters (Cassandra) rather
 * than retried in memory, where a restart would lose it; {@link DeadLetterRedelivery} hands it back
 * once OpenSearch answers again. Only if the dead letters cannot be written either does the event
 * bus's own retry take over.
 *
 * <p>Documents are routed by mailbox, so one mailbox's messages sit on one shard and a SEARCH reads one shard.
 */
public class OpenSearchMessageSearchIndex extends ListeningMessageSearchIndex {
    /** Identifies this listener's events in the dead letters; its name must never change. */
    public static class IndexingGroup extends Group {
    }

    static final Group GROUP = new IndexingGroup();
    private static final Logger LOGGER = LoggerFactory.getLogger(OpenSearchMessageSearchIndex.class);
    /** What OpenSearch answers when the alias is gone; see {@link MailboxIndex}. */
    private static final String INDEX_MISSING = "index_not_found_exception";
    /** Hits fetched per request while paging through a large result. */
    private static final int PAGE_SIZE = 5000;

    private final OpenSearchClient client;
    private final MailboxIndex index;
    private final MessageId.Factory messageIdFactory;
    private final EventDeadLetters deadLetters;

    @Inject
    public OpenSearchMessageSearchIndex(MailboxSessionMapperFactory mapperFactory,
                                        Set<SearchOverride> searchOverrides,
                                        SessionProvider sessionProvider,
                                        OpenSearchConnection connection,
                                        MailboxIndex index,
                                        MessageId.Factory messageIdFactory,
                                        EventDeadLetters deadLetters) {
        super(mapperFactory, searchOverrides, sessionProvider);
        this.client = connection.client();
        this.index = index;
        this.messageIdFactory = messageIdFactory;
        this.deadLetters = deadLetters;
    }

    @Override
    public Mono<Void> reactiveEvent(Event event) {
        return apply(event)
            .onErrorResume(error -> {
                LOGGER.warn("Index update {} for {} failed ({}); kept in the event dead letters for redelivery",
                    event.getClass().getSimpleName(), event.getUsername().asString(), error.toString());
                return deadLetters.store(GROUP, event).then();
            });
    }

    /** Applies the event to the index, failing when OpenSearch does; what redelivery calls. */
    public Mono<Void> apply(Event event) {
        return super.reactiveEvent(event);
    }

    @Override
    public Group getDefaultGroup() {
        return GROUP;
    }

    /** Delivering mail never waits for the index; the event bus still retries and dead-letters failures. */
    @Override
    public ExecutionMode getExecutionMode() {
        return ExecutionMode.ASYNCHRONOUS;
    }

    @Override
    public EnumSet<MailboxManager.SearchCapabilities> getSupportedCapabilities(EnumSet<MailboxManager.MessageCapabilities> messageCapabilities) {
        return EnumSet.of(MailboxManager.SearchCapabilities.MultimailboxSearch,
            MailboxManager.SearchCapabilities.PartialEmailMatch,
            MailboxManager.SearchCapabilities.Text,
            MailboxManager.SearchCapabilities.FullText,
            MailboxManager.SearchCapabilities.AttachmentFileName);
    }

    @Override
    public Mono<Void> add(MailboxSession session, Mailbox mailbox, MailboxMessage message) {
        return blocking(() -> {
            Map<String, Object> document = IndexedMessage.of(message);
            String mailboxId = message.getMailboxId().serialize();
            index.ensureExists();
            client.index(i -> i.index(index.name())
                .id(IndexedMessage.documentId(mailboxId, message.getUid().asLong()))
                .routing(mailboxId)
                .requireAlias(true)
                .document(document));
        });
    }

    @Override
    public Mono<Void> delete(MailboxSession session, MailboxId mailboxId, Collection<MessageUid> expungedUids) {
        String routing = mailboxId.serialize();
        List<BulkOperation> deletions = expungedUids.stream()
            .map(uid -> BulkOperation.of(b -> b.delete(d -> d.index(index.name()).routing(routing)
                .id(IndexedMessage.documentId(routing, uid.asLong())))))
            .toList();
        return bulk(deletions);
    }

    @Override
    public Mono<Void> deleteAll(MailboxSession session, MailboxId mailboxId) {
        String routing = mailboxId.serialize();
        return blocking(() -> {
            index.ensureExists();
            client.deleteByQuery(d -> d.index(index.name()).routing(routing)
                .query(q -> q.term(t -> t.field("mailbox_id").value(FieldValue.of(routing))))
                .conflicts(Conflicts.Proceed));
        });
    }

    @Override
    public Mono<Void> update(MailboxSession session, MailboxId mailboxId, List<UpdatedFlags> updatedFlagsList) {
        String routing = mailboxId.serialize();
        List<BulkOperation> updates = updatedFlagsList.stream()
            .map(updated -> {
                Map<String, Object> fields = new LinkedHashMap<>(IndexedMessage.flagFields(updated.getNewFlags()));
                fields.put("mod_seq", updated.getModSeq().asLong());
                return BulkOperation.of(b -> b.update(u -> u.index(index.name()).routing(routing)
                    .id(IndexedMessage.documentId(routing, updated.getUid().asLong()))
                    .document(fields)
                    .retryOnConflict(5)));
            })
            .toList();
        return bulk(updates);
    }

    /**
     * Bulk writes where "not found" is success: an expunge of a message never indexed, or a flag change
     * on one whose Added event waits in the dead letters (its redelivery reads the current flags).
     */
    private Mono<Void> bulk(List<BulkOperation> operations) {
        if (operations.isEmpty()) {
            return Mono.empty();
        }
        return blocking(() -> {
            index.ensureExists();
            BulkResponse response = client.bulk(b -> b.operations(operations).requireAlias(true));
            if (response.errors()) {
                List<String> failures = new ArrayList<>();
                for (BulkResponseItem item : response.items()) {
                    if (item.error() == null) {
                        continue;
                    }
                    if (INDEX_MISSING.equals(item.error().type())) {
                        index.forget();
                        failures.add(item.id() + ": " + item.error().type());
                    } else if (item.status() != 404) {
                        failures.add(item.id() + ": " + item.error().type() + " " + item.error().reason());
                    }
                }
                if (!failures.isEmpty()) {
                    throw new IOException("OpenSearch refused " + failures.size() + " index changes: " + failures);
                }
            }
        });
    }

    @Override
    public Mono<Flags> retrieveIndexedFlags(Mailbox mailbox, MessageUid uid) {
        String routing = mailbox.getMailboxId().serialize();
        return Mono.fromCallable(() -> {
                GetResponse<ObjectNode> response = client.get(g -> g.index(index.name()).routing(routing)
                    .id(IndexedMessage.documentId(routing, uid.asLong())), ObjectNode.class);
                return response.found() ? flagsOf(response.source()) : null;
            })
            .subscribeOn(Schedulers.boundedElastic());
    }

    private static Flags flagsOf(JsonNode source) {
        Flags flags = new Flags();
        addIf(flags, source, "is_answered", Flags.Flag.ANSWERED);
        addIf(flags, source, "is_deleted", Flags.Flag.DELETED);
        addIf(flags, source, "is_draft", Flags.Flag.DRAFT);
        addIf(flags, source, "is_flagged", Flags.Flag.FLAGGED);
        addIf(flags, source, "is_seen", Flags.Flag.SEEN);
        source.path("user_flags").forEach(flag -> flags.add(flag.asText()));
        return flags;
    }

    private static void addIf(Flags flags, JsonNode source, String field, Flags.Flag flag) {
        if (source.path(field).asBoolean(false)) {
            flags.add(flag);
        }
    }

    @Override
    protected Flux<MessageUid> doSearch(MailboxSession session, Mailbox mailbox, SearchQuery searchQuery) throws MailboxException {
        String mailboxId = mailbox.getMailboxId().serialize();
        Query query = SearchQueryTranslator.translate(searchQuery, List.of(mailboxId));
        List<SortOptions> sorts = SearchQueryTranslator.sorts(searchQuery);
        return Mono.fromCallable(() -> {
                List<MessageUid> uids = new ArrayList<>();
                List<FieldValue> after = null;
                while (true) {
                    List<FieldValue> searchAfter = after;
                    SearchResponse<ObjectNode> page = client.search(s -> {
                        s.index(index.name()).routing(mailboxId).query(query).sort(sorts).size(PAGE_SIZE)
                            .trackTotalHits(t -> t.enabled(false))
                            .source(src -> src.filter(f -> f.includes("uid")));
                        if (searchAfter != null) {
                            s.searchAfterVals(searchAfter);
                        }
                        return s;
                    }, ObjectNode.class);
                    List<Hit<ObjectNode>> hits = page.hits().hits();
                    hits.forEach(hit -> uids.add(MessageUid.of(hit.source().path("uid").asLong())));
                    if (hits.size() < PAGE_SIZE) {
                        return uids;
                    }
                    after = hits.get(hits.size() - 1).sortVals();
                }
            })
            .subscribeOn(Schedulers.boundedElastic())
            .onErrorMap(IOException.class, e -> new MailboxException("The search index (OpenSearch) cannot be reached", e))
            .flatMapIterable(uids -> uids);
    }

    @Override
    public Flux<MessageId> search(MailboxSession session, Collection<MailboxId> mailboxIds, SearchQuery searchQuery, long limit) throws MailboxException {
        if (mailboxIds.isEmpty() || limit <= 0) {
            return Flux.empty();
        }
        Query query = SearchQueryTranslator.translate(searchQuery,
            mailboxIds.stream().map(MailboxId::serialize).toList());
        List<SortOptions> sorts = SearchQueryTranslator.sorts(searchQuery);
        int size = (int) Math.min(limit * 2, 10_000);
        return Mono.fromCallable(() -> client.search(s -> s.index(index.name()).query(query).sort(sorts).size(size)
                    .source(src -> src.filter(f -> f.includes("message_id"))), ObjectNode.class))
            .subscribeOn(Schedulers.boundedElastic())
            .flatMapIterable(response -> {
                Set<String> ids = new LinkedHashSet<>();
                response.hits().hits().forEach(hit -> ids.add(hit.source().path("message_id").asText()));
                return ids;
            })
            .take(limit)
            .map(messageIdFactory::fromString);
    }

    private interface IndexWrite {
        void run() throws IOException;
    }

    private Mono<Void> blocking(IndexWrite write) {
        return Mono.<Void>fromRunnable(() -> {
                try {
                    write.run();
                } catch (OpenSearchException e) {
                    if (INDEX_MISSING.equals(e.error().type())) {
                        index.forget();
                    }
                    throw e;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            })
            .subscribeOn(Schedulers.boundedElastic());
    }
}
