package dev.mailserver.dkim;

import java.nio.ByteBuffer;
import java.util.List;

import javax.inject.Inject;

import org.apache.james.backends.cassandra.components.CassandraModule;
import org.apache.james.core.Domain;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.type.DataTypes;

/**
 * DKIM keys in Cassandra, so that every node signs with the keys WebAdmin created on any node.
 *
 * <p>One partition per domain, one row per selector: the mailet reads a domain's keys in one partition
 * read. Creating, retiring and deleting are lightweight transactions (IF NOT EXISTS / IF EXISTS), so two
 * admins creating the same selector at once cannot overwrite each other's key, and the answer says
 * whether the key existed. Private keys are stored as PKCS#8 DER: protect the keyspace as you protect
 * the keys.
 */
public class CassandraDkimKeyStore implements DkimKeyStore {
    static final String TABLE = "mailserver_dkim_keys";
    private static final String DOMAIN = "domain";
    private static final String SELECTOR = "selector";
    private static final String ALGORITHM = "algorithm";
    private static final String STATE = "state";
    private static final String CREATED_AT = "created_at";
    private static final String PUBLIC_KEY = "public_key";
    private static final String PRIVATE_KEY = "private_key";

    public static final CassandraModule TABLES = CassandraModule.table(TABLE)
        .comment("DKIM signing keys of each domain, managed through WebAdmin /dkim/keys.")
        .statement(statement -> types -> statement
            .withPartitionKey(DOMAIN, DataTypes.TEXT)
            .withClusteringColumn(SELECTOR, DataTypes.TEXT)
            .withColumn(ALGORITHM, DataTypes.TEXT)
            .withColumn(STATE, DataTypes.TEXT)
            .withColumn(CREATED_AT, DataTypes.TIMESTAMP)
            .withColumn(PUBLIC_KEY, DataTypes.TEXT)
            .withColumn(PRIVATE_KEY, DataTypes.BLOB))
        .build();

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement selectDomain;
    private final PreparedStatement retire;
    private final PreparedStatement delete;

    @Inject
    public CassandraDkimKeyStore(CqlSession session) {
        this.session = session;
        this.insert = session.prepare("INSERT INTO " + TABLE + " (" + DOMAIN + ", " + SELECTOR + ", " + ALGORITHM + ", "
            + STATE + ", " + CREATED_AT + ", " + PUBLIC_KEY + ", " + PRIVATE_KEY + ") VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS");
        this.selectDomain = session.prepare("SELECT " + SELECTOR + ", " + ALGORITHM + ", " + STATE + ", " + CREATED_AT + ", "
            + PUBLIC_KEY + ", " + PRIVATE_KEY + " FROM " + TABLE + " WHERE " + DOMAIN + " = ?");
        this.retire = session.prepare("UPDATE " + TABLE + " SET " + STATE + " = ? WHERE " + DOMAIN + " = ? AND "
            + SELECTOR + " = ? IF EXISTS");
        this.delete = session.prepare("DELETE FROM " + TABLE + " WHERE " + DOMAIN + " = ? AND " + SELECTOR + " = ? IF EXISTS");
    }

    @Override
    public boolean add(DkimKey key) {
        return session.execute(insert.bind(key.domain().asString(), key.selector(), key.algorithm().keyType(),
                key.state().asString(), key.createdAt(), key.publicKey(), ByteBuffer.wrap(key.privateKeyPkcs8())))
            .wasApplied();
    }

    @Override
    public List<DkimKey> list(Domain domain) {
        return session.execute(selectDomain.bind(domain.asString())).all().stream()
            .map(row -> toKey(domain, row))
            .toList();
    }

    @Override
    public boolean retire(Domain domain, String selector) {
        return session.execute(retire.bind(DkimKey.State.RETIRED.asString(), domain.asString(), selector)).wasApplied();
    }

    @Override
    public boolean delete(Domain domain, String selector) {
        return session.execute(delete.bind(domain.asString(), selector)).wasApplied();
    }

    private static DkimKey toKey(Domain domain, Row row) {
        ByteBuffer privateKey = row.getByteBuffer(PRIVATE_KEY);
        byte[] pkcs8 = new byte[privateKey.remaining()];
        privateKey.get(pkcs8);
        return new DkimKey(domain, row.getString(SELECTOR),
            DkimAlgorithm.ofKeyType(row.getString(ALGORITHM))
                .orElseThrow(() -> new IllegalStateException("Unknown DKIM algorithm " + row.getString(ALGORITHM))),
            DkimKey.State.parse(row.getString(STATE)), row.getInstant(CREATED_AT), row.getString(PUBLIC_KEY), pkcs8);
    }
}
