package dev.mailserver.bounce;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.inject.Inject;
import javax.mail.internet.AddressException;

import org.apache.james.backends.cassandra.components.CassandraModule;
import org.apache.james.backends.cassandra.utils.CassandraAsyncExecutor;
import org.apache.james.core.Domain;
import org.apache.james.core.MailAddress;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.type.DataTypes;

import reactor.core.publisher.Flux;

/**
 * The suppression list in Cassandra. Its queries: "is this address suppressed" at every RCPT of a submission,
 * and "the suppressed addresses of a domain" for WebAdmin; so one partition per domain, one row per local part.
 * Listing every domain reads the whole (small) table.
 */
public class CassandraSuppressionList implements SuppressionList {
    static final String TABLE = "bounce_suppressions";
    private static final String DOMAIN = "domain";
    private static final String LOCAL_PART = "local_part";
    private static final String ADDRESS = "address";
    private static final String STATUS = "status";
    private static final String REASON = "reason";
    private static final String SINCE = "since";

    public static final CassandraModule TABLES = CassandraModule.table(TABLE)
        .comment("Recipients that bounced: submissions to them are refused at RCPT until an admin removes them.")
        .statement(statement -> types -> statement
            .withPartitionKey(DOMAIN, DataTypes.TEXT)
            .withClusteringColumn(LOCAL_PART, DataTypes.TEXT)
            .withColumn(ADDRESS, DataTypes.TEXT)
            .withColumn(STATUS, DataTypes.TEXT)
            .withColumn(REASON, DataTypes.TEXT)
            .withColumn(SINCE, DataTypes.TIMESTAMP))
        .build();

    private final CassandraAsyncExecutor executor;
    private final PreparedStatement insert;
    private final PreparedStatement selectOne;
    private final PreparedStatement selectDomain;
    private final PreparedStatement selectAll;
    private final PreparedStatement delete;

    @Inject
    public CassandraSuppressionList(CqlSession session) {
        this.executor = new CassandraAsyncExecutor(session);
        this.insert = session.prepare("INSERT INTO " + TABLE + " (" + DOMAIN + ", " + LOCAL_PART + ", " + ADDRESS + ", "
            + STATUS + ", " + REASON + ", " + SINCE + ") VALUES (?, ?, ?, ?, ?, ?)");
        this.selectOne = session.prepare("SELECT * FROM " + TABLE + " WHERE " + DOMAIN + " = ? AND " + LOCAL_PART + " = ?");
        this.selectDomain = session.prepare("SELECT * FROM " + TABLE + " WHERE " + DOMAIN + " = ?");
        this.selectAll = session.prepare("SELECT * FROM " + TABLE);
        this.delete = session.prepare("DELETE FROM " + TABLE + " WHERE " + DOMAIN + " = ? AND " + LOCAL_PART + " = ?");
    }

    @Override
    public void suppress(Suppression suppression) {
        MailAddress address = suppression.address();
        executor.executeVoid(insert.bind(address.getDomain().asString(), localPart(address), address.asString(),
            suppression.status(), suppression.reason(), suppression.since())).block();
    }

    @Override
    public Optional<Suppression> find(MailAddress address) {
        return executor.executeSingleRow(selectOne.bind(address.getDomain().asString(), localPart(address)))
            .map(CassandraSuppressionList::toSuppression)
            .blockOptional();
    }

    @Override
    public void remove(MailAddress address) {
        executor.executeVoid(delete.bind(address.getDomain().asString(), localPart(address))).block();
    }

    @Override
    public List<Suppression> list(Optional<Domain> domain, int offset, int limit) {
        Flux<Row> rows = domain
            .map(value -> executor.executeRows(selectDomain.bind(value.asString())))
            .orElseGet(() -> executor.executeRows(selectAll.bind()));
        return rows.map(CassandraSuppressionList::toSuppression)
            .collectList()
            .block()
            .stream()
            .sorted(Comparator.comparing((Suppression suppression) -> suppression.address().getDomain().asString())
                .thenComparing(suppression -> localPart(suppression.address())))
            .skip(offset)
            .limit(limit)
            .toList();
    }

    private static String localPart(MailAddress address) {
        return address.getLocalPart().toLowerCase(Locale.ROOT);
    }

    private static Suppression toSuppression(Row row) {
        try {
            return new Suppression(new MailAddress(row.getString(ADDRESS)), row.getString(STATUS), row.getString(REASON),
                row.getInstant(SINCE));
        } catch (AddressException e) {
            throw new IllegalStateException("Invalid address stored in " + TABLE + ": " + row.getString(ADDRESS), e);
        }
    }
}
