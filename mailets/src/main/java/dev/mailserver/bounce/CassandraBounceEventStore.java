package dev.mailserver.bounce;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.inject.Inject;
import javax.mail.internet.AddressException;

import org.apache.james.backends.cassandra.components.CassandraModule;
import org.apache.james.backends.cassandra.utils.CassandraAsyncExecutor;
import org.apache.james.core.MailAddress;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.metadata.schema.ClusteringOrder;
import com.datastax.oss.driver.api.core.type.DataTypes;
import com.datastax.oss.driver.api.core.uuid.Uuids;

/**
 * Bounce events in Cassandra, one partition per recipient, newest first: the queries are "the events of this
 * recipient" (WebAdmin) and "its soft bounces of the last days" (suppression policy). Rows expire after the
 * retention period of {@code bounces.properties}.
 */
public class CassandraBounceEventStore implements BounceEventStore {
    static final String TABLE = "bounce_events";
    private static final String RECIPIENT = "recipient";
    private static final String EVENT_ID = "event_id";
    private static final String ADDRESS = "address";
    private static final String AT = "at";
    private static final String KIND = "kind";
    private static final String STATUS = "status";
    private static final String DIAGNOSTIC = "diagnostic";
    private static final String REMOTE_MTA = "remote_mta";
    private static final String SOURCE = "source";

    public static final CassandraModule TABLES = CassandraModule.table(TABLE)
        .comment("Bounces per recipient, newest first; rows expire (TTL) after events.retention.")
        .options(options -> options.withClusteringOrder(EVENT_ID, ClusteringOrder.DESC))
        .statement(statement -> types -> statement
            .withPartitionKey(RECIPIENT, DataTypes.TEXT)
            .withClusteringColumn(EVENT_ID, DataTypes.TIMEUUID)
            .withColumn(ADDRESS, DataTypes.TEXT)
            .withColumn(AT, DataTypes.TIMESTAMP)
            .withColumn(KIND, DataTypes.TEXT)
            .withColumn(STATUS, DataTypes.TEXT)
            .withColumn(DIAGNOSTIC, DataTypes.TEXT)
            .withColumn(REMOTE_MTA, DataTypes.TEXT)
            .withColumn(SOURCE, DataTypes.TEXT))
        .build();

    private final CassandraAsyncExecutor executor;
    private final PreparedStatement insert;
    private final PreparedStatement select;
    private final int ttlSeconds;

    @Inject
    public CassandraBounceEventStore(CqlSession session, BounceConfiguration configuration) {
        this.executor = new CassandraAsyncExecutor(session);
        this.ttlSeconds = (int) Math.min(Integer.MAX_VALUE, configuration.eventRetention().toSeconds());
        this.insert = session.prepare("INSERT INTO " + TABLE + " (" + RECIPIENT + ", " + EVENT_ID + ", " + ADDRESS + ", "
            + AT + ", " + KIND + ", " + STATUS + ", " + DIAGNOSTIC + ", " + REMOTE_MTA + ", " + SOURCE
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?");
        this.select = session.prepare("SELECT * FROM " + TABLE + " WHERE " + RECIPIENT + " = ?");
    }

    @Override
    public void record(BounceEvent event) {
        executor.executeVoid(insert.bind(key(event.recipient()), Uuids.timeBased(), event.recipient().asString(),
            event.at(), event.kind().name(), event.status(), event.diagnostic().orElse(null),
            event.remoteMta().orElse(null), event.source(), ttlSeconds)).block();
    }

    @Override
    public List<BounceEvent> eventsOf(MailAddress recipient) {
        return executor.executeRows(select.bind(key(recipient)))
            .map(CassandraBounceEventStore::toEvent)
            .collectList()
            .block();
    }

    private static String key(MailAddress address) {
        return address.asString().toLowerCase(Locale.ROOT);
    }

    private static BounceEvent toEvent(Row row) {
        try {
            return new BounceEvent(new MailAddress(row.getString(ADDRESS)), row.getInstant(AT),
                BounceEvent.Kind.valueOf(row.getString(KIND)), row.getString(STATUS),
                Optional.ofNullable(row.getString(DIAGNOSTIC)), Optional.ofNullable(row.getString(REMOTE_MTA)),
                row.getString(SOURCE));
        } catch (AddressException e) {
            throw new IllegalStateException("Invalid address stored in " + TABLE + ": " + row.getString(ADDRESS), e);
        }
    }
}
