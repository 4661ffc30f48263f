package dev.mailserver.ratelimit;

import java.time.Instant;
import java.util.Map;

import javax.inject.Inject;

import org.apache.james.backends.cassandra.components.CassandraModule;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.type.DataTypes;

/**
 * Counters in Cassandra, shared by every node.
 *
 * <p>One partition per (key, window, bucket) holding three plain {@code bigint} columns, written with a
 * TTL that ends one margin after the window: Cassandra counter columns cannot expire, these rows do. Every
 * write is a compare-and-set (a lightweight transaction, {@code IF messages = ? AND ...}): the new value
 * is computed from the one read, checked against the limits, and written only if nobody changed it
 * meanwhile; otherwise Cassandra returns the current value and we try again with it. So a limit of N
 * allows exactly N, on one node or across nodes, with no overshoot. The price is a Paxos round per
 * counter written (see bench/ratelimit for the measured latency), and under heavy contention on one key
 * (many nodes sending as the same user in the same millisecond) retries; after {@link #MAX_ATTEMPTS}
 * the write gives up with an exception, which the caller treats as the store being unavailable.
 */
public class CassandraRateLimitCounters implements RateLimitCounters {
    static final String TABLE = "mailserver_ratelimit_counters";
    private static final String KEY = "counter_key";
    private static final String WINDOW = "time_window";
    private static final String BUCKET = "bucket";
    private static final String MESSAGES = "messages";
    private static final String RECIPIENTS = "recipients";
    private static final String BYTES = "bytes";
    static final int MAX_ATTEMPTS = 20;

    public static final CassandraModule TABLES = CassandraModule.table(TABLE)
        .comment("Rate limit usage per (key, window, bucket); rows expire by TTL after their window.")
        .options(options -> options.withGcGraceSeconds(3600))
        .statement(statement -> types -> statement
            .withPartitionKey(KEY, DataTypes.TEXT)
            .withPartitionKey(WINDOW, DataTypes.TEXT)
            .withPartitionKey(BUCKET, DataTypes.BIGINT)
            .withColumn(MESSAGES, DataTypes.BIGINT)
            .withColumn(RECIPIENTS, DataTypes.BIGINT)
            .withColumn(BYTES, DataTypes.BIGINT))
        .build();

    private final CqlSession session;
    private final PreparedStatement select;
    private final PreparedStatement insertIfAbsent;
    private final PreparedStatement updateIfUnchanged;

    @Inject
    public CassandraRateLimitCounters(CqlSession session) {
        this.session = session;
        String where = " WHERE " + KEY + " = :key AND " + WINDOW + " = :window AND " + BUCKET + " = :bucket";
        this.select = session.prepare("SELECT " + MESSAGES + ", " + RECIPIENTS + ", " + BYTES + " FROM " + TABLE + where);
        this.insertIfAbsent = session.prepare("INSERT INTO " + TABLE + " (" + KEY + ", " + WINDOW + ", " + BUCKET + ", "
            + MESSAGES + ", " + RECIPIENTS + ", " + BYTES + ") VALUES (:key, :window, :bucket, :messages, :recipients, :bytes)"
            + " IF NOT EXISTS USING TTL :ttl");
        this.updateIfUnchanged = session.prepare("UPDATE " + TABLE + " USING TTL :ttl SET "
            + MESSAGES + " = :messages, " + RECIPIENTS + " = :recipients, " + BYTES + " = :bytes" + where
            + " IF " + MESSAGES + " = :old_messages AND " + RECIPIENTS + " = :old_recipients AND " + BYTES + " = :old_bytes");
    }

    @Override
    public Usage usage(RateLimitCounters.CounterId counter) {
        Row row = session.execute(select.bind()
            .setString("key", counter.key())
            .setString("window", counter.window().name())
            .setLong("bucket", counter.bucket())).one();
        return row == null ? Usage.NONE : usageOf(row);
    }

    @Override
    public boolean tryAdd(CounterId counter, Usage delta, Map<RateLimitMetric, Long> limits, Instant now) {
        return compareAndSet(counter, now, current -> {
            Usage after = current.plus(delta);
            return RateLimitCounters.withinLimits(after, limits) ? after : null;
        });
    }

    @Override
    public void subtract(CounterId counter, Usage delta, Instant now) {
        compareAndSet(counter, now, current -> current.minus(delta));
    }

    private interface Change {
        /** The value to write, or null to write nothing. */
        Usage apply(Usage current);
    }

    private boolean compareAndSet(CounterId counter, Instant now, Change change) {
        Row current = session.execute(select.bind()
            .setString("key", counter.key())
            .setString("window", counter.window().name())
            .setLong("bucket", counter.bucket())).one();
        int ttl = Math.toIntExact(Math.max(1, counter.ttl(now).toSeconds()));
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Usage before = current == null || current.isNull(MESSAGES) ? null : usageOf(current);
            Usage after = change.apply(before == null ? Usage.NONE : before);
            if (after == null) {
                return false;
            }
            ResultSet result = session.execute(before == null
                ? insertIfAbsent.bind()
                    .setString("key", counter.key()).setString("window", counter.window().name()).setLong("bucket", counter.bucket())
                    .setLong("messages", after.messages()).setLong("recipients", after.recipients()).setLong("bytes", after.bytes())
                    .setInt("ttl", ttl)
                : updateIfUnchanged.bind()
                    .setString("key", counter.key()).setString("window", counter.window().name()).setLong("bucket", counter.bucket())
                    .setLong("messages", after.messages()).setLong("recipients", after.recipients()).setLong("bytes", after.bytes())
                    .setLong("old_messages", before.messages()).setLong("old_recipients", before.recipients())
                    .setLong("old_bytes", before.bytes())
                    .setInt("ttl", ttl));
            if (result.wasApplied()) {
                return true;
            }
            // Not applied: the row holds the value that beat us (or no value at all if it just expired).
            current = result.one();
        }
        throw new IllegalStateException("Rate limit counter " + counter + " still contended after " + MAX_ATTEMPTS + " attempts");
    }

    private static Usage usageOf(Row row) {
        return new Usage(row.getLong(MESSAGES), row.getLong(RECIPIENTS), row.getLong(BYTES));
    }
}
