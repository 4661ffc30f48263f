package dev.mailserver.storage.cassandra;

import javax.inject.Inject;

import org.apache.james.backends.cassandra.components.CassandraModule;
import org.apache.james.backends.cassandra.utils.CassandraAsyncExecutor;
import org.apache.james.events.Event;
import org.apache.james.events.EventDeadLetters;
import org.apache.james.events.EventSerializer;
import org.apache.james.events.Group;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.type.DataTypes;
import com.google.common.base.Preconditions;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Mailbox events that a listener (quota updater, message deletion, search indexing...) failed to process
 * even after retries. Kept in Cassandra so that they survive a restart and can be redelivered through
 * WebAdmin {@code /events/deadLetter}; kept in memory they would be lost, and the quota or index they
 * were meant to update would stay wrong silently.
 *
 * <p>One partition per listener group, one row per failed event; a group has failed events exactly when
 * its partition exists, so listing groups is a {@code SELECT DISTINCT} over partition keys.
 */
public class CassandraEventDeadLetters implements EventDeadLetters {
    static final String TABLE = "mailserver_event_dead_letters";
    private static final String GROUP = "listener_group";
    private static final String INSERTION_ID = "insertion_id";
    private static final String EVENT = "event";

    public static final CassandraModule TABLES = CassandraModule.table(TABLE)
        .comment("Mailbox events whose processing by a listener group failed; redelivered through WebAdmin.")
        .statement(statement -> types -> statement
            .withPartitionKey(GROUP, DataTypes.TEXT)
            .withClusteringColumn(INSERTION_ID, DataTypes.UUID)
            .withColumn(EVENT, DataTypes.TEXT))
        .build();

    private final CassandraAsyncExecutor executor;
    private final EventSerializer serializer;
    private final PreparedStatement insert;
    private final PreparedStatement selectOne;
    private final PreparedStatement selectIds;
    private final PreparedStatement selectGroups;
    private final PreparedStatement selectAny;
    private final PreparedStatement deleteOne;
    private final PreparedStatement deleteGroup;

    @Inject
    public CassandraEventDeadLetters(CqlSession session, EventSerializer serializer) {
        this.executor = new CassandraAsyncExecutor(session);
        this.serializer = serializer;
        this.insert = session.prepare("INSERT INTO " + TABLE + " (" + GROUP + ", " + INSERTION_ID + ", " + EVENT + ") VALUES (?, ?, ?)");
        this.selectOne = session.prepare("SELECT " + EVENT + " FROM " + TABLE + " WHERE " + GROUP + " = ? AND " + INSERTION_ID + " = ?");
        this.selectIds = session.prepare("SELECT " + INSERTION_ID + " FROM " + TABLE + " WHERE " + GROUP + " = ?");
        this.selectGroups = session.prepare("SELECT DISTINCT " + GROUP + " FROM " + TABLE);
        this.selectAny = session.prepare("SELECT " + GROUP + " FROM " + TABLE + " LIMIT 1");
        this.deleteOne = session.prepare("DELETE FROM " + TABLE + " WHERE " + GROUP + " = ? AND " + INSERTION_ID + " = ?");
        this.deleteGroup = session.prepare("DELETE FROM " + TABLE + " WHERE " + GROUP + " = ?");
    }

    @Override
    public Mono<InsertionId> store(Group group, Event event) {
        Preconditions.checkArgument(group != null, REGISTERED_GROUP_CANNOT_BE_NULL);
        Preconditions.checkArgument(event != null, FAIL_DELIVERED_EVENT_CANNOT_BE_NULL);
        InsertionId id = InsertionId.random();
        return executor.executeVoid(insert.bind(group.asString(), id.getId(), serializer.toJson(event)))
            .thenReturn(id);
    }

    @Override
    public Mono<Void> remove(Group group, InsertionId id) {
        Preconditions.checkArgument(group != null, REGISTERED_GROUP_CANNOT_BE_NULL);
        Preconditions.checkArgument(id != null, FAIL_DELIVERED_ID_INSERTION_CANNOT_BE_NULL);
        return executor.executeVoid(deleteOne.bind(group.asString(), id.getId()));
    }

    @Override
    public Mono<Void> remove(Group group) {
        Preconditions.checkArgument(group != null, REGISTERED_GROUP_CANNOT_BE_NULL);
        return executor.executeVoid(deleteGroup.bind(group.asString()));
    }

    @Override
    public Mono<Event> failedEvent(Group group, InsertionId id) {
        Preconditions.checkArgument(group != null, REGISTERED_GROUP_CANNOT_BE_NULL);
        Preconditions.checkArgument(id != null, FAIL_DELIVERED_ID_INSERTION_CANNOT_BE_NULL);
        return executor.executeSingleRow(selectOne.bind(group.asString(), id.getId()))
            .map(row -> serializer.asEvent(row.getString(EVENT)));
    }

    @Override
    public Flux<InsertionId> failedIds(Group group) {
        Preconditions.checkArgument(group != null, REGISTERED_GROUP_CANNOT_BE_NULL);
        return executor.executeRows(selectIds.bind(group.asString()))
            .map(row -> InsertionId.of(row.getUuid(INSERTION_ID)));
    }

    @Override
    public Flux<Group> groupsWithFailedEvents() {
        return executor.executeRows(selectGroups.bind())
            .map(row -> row.getString(GROUP))
            .flatMap(name -> Mono.fromCallable(() -> Group.deserialize(name)));
    }

    @Override
    public Mono<Boolean> containEvents() {
        return executor.executeReturnExists(selectAny.bind());
    }
}
