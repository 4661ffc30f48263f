package dev.mailserver.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;

import org.apache.james.backends.cassandra.components.CassandraModule;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.type.DataTypes;

/** Per-user and per-domain limits set through WebAdmin: one row per key, its limits as {@code perHour.messages → 100}. */
public class CassandraRateLimitOverrides implements RateLimitOverrides {
    static final String TABLE = "mailserver_ratelimit_overrides";
    private static final String KEY = "limited_key";
    private static final String LIMITS = "limits";

    public static final CassandraModule TABLES = CassandraModule.table(TABLE)
        .comment("Rate limits set through WebAdmin for one user or one domain, over the conf/ratelimit.properties defaults.")
        .statement(statement -> types -> statement
            .withPartitionKey(KEY, DataTypes.TEXT)
            .withColumn(LIMITS, DataTypes.frozenMapOf(DataTypes.TEXT, DataTypes.BIGINT)))
        .build();

    private final CqlSession session;
    private final PreparedStatement select;
    private final PreparedStatement insert;
    private final PreparedStatement delete;

    @Inject
    public CassandraRateLimitOverrides(CqlSession session) {
        this.session = session;
        this.select = session.prepare("SELECT " + LIMITS + " FROM " + TABLE + " WHERE " + KEY + " = ?");
        this.insert = session.prepare("INSERT INTO " + TABLE + " (" + KEY + ", " + LIMITS + ") VALUES (?, ?)");
        this.delete = session.prepare("DELETE FROM " + TABLE + " WHERE " + KEY + " = ?");
    }

    @Override
    public Optional<RateLimits> get(RateLimitKey key) {
        Row row = session.execute(select.bind(key.asString())).one();
        if (row == null) {
            return Optional.empty();
        }
        Map<String, String> flat = new LinkedHashMap<>();
        row.getMap(LIMITS, String.class, Long.class).forEach((name, value) -> flat.put(name, String.valueOf(value)));
        return Optional.of(RateLimits.fromFlatMap(flat));
    }

    @Override
    public void set(RateLimitKey key, RateLimits limits) {
        session.execute(insert.bind(key.asString(), limits.asFlatMap()));
    }

    @Override
    public void remove(RateLimitKey key) {
        session.execute(delete.bind(key.asString()));
    }
}
