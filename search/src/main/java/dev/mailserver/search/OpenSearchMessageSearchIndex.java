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
import org.opensearch.client.opensearch._types.SortOptions;
import org.opensearch.client.opensearch._types.query_dsl.Query;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.GetResponse;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;
import org.opensearch.client.opensearch.core.search.Hit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * James's message search index kept in OpenSearch. As a group listener of the mailbox event bus it
 * indexes added messages, rewrites flags, removes expunged messages and deleted mailboxes; the event bus
 * retries a failed event and then stores it in the event dead letters, which
 * {@link DeadLetterRedelivery} hands back here once OpenSearch answers again. IMAP SEARCH is answered
 * from the index through {@link SearchQueryTranslator}.
 *
 * <p>Documents are routed by mailbox, so one mailbox's messages sit on one shard and a SEARCH reads one shard.
 */
public class OpenSearchMessageSearchIndex extends ListeningMessageSearchIndex {
    /** Identifies this listener's events in the dead letters; its name must never change. */
    public static class IndexingGroup extends Group {
    }

    static final Group GROUP = new IndexingGroup();
    /** Hits fetched per request while paging through a large result. */
    private static final int PAGE_SIZE = 5000;

    private final OpenSearchClient client;
    private final MailboxIndex index;
    private final MessageId.Factory messageIdFactory;

    @Inject
    public OpenSearchMessageSearchIndex(MailboxSessionMapperFactory mapperFactory,
                                        Set<SearchOverride> searchOverrides,
                                        SessionProvider sessionProvider,
                                        OpenSearchConnection connection,
                                        MailboxIndex index,
                                        MessageId.Factory messageIdFactory) {
        super(mapperFactory, searchOverrides, sessionProvider);
        this.client = connection.client();
        this.index = index;
        this.messageIdFactory = messageIdFactory;
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
            BulkResponse response = client.bulk(b -> b.operations(operations));
            if (response.errors()) {
                List<String> failures = new ArrayList<>();
                for (BulkResponseItem item : response.items()) {
                    if (item.error() != null && item.status() != 404) {
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

    private static Mono<Void> blocking(IndexWrite write) {
        return Mono.<Void>fromRunnable(() -> {
                try {
                    write.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            })
            .subscribeOn(Schedulers.boundedElastic());
    }
}
