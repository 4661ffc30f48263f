package dev.mailserver.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.apache.james.core.Domain;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MemoryDkimKeyStoreTest {
    static final Domain ACME = Domain.of("acme.test");
    static final Domain OTHER = Domain.of("other.test");
    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    static DkimKey acmeKey;
    static DkimKey acmeSecondKey;
    static DkimKey otherKey;

    DkimKeyStore store;

    @BeforeAll
    static void generateKeys() {
        acmeKey = DkimKey.generate(ACME, "b2026", DkimAlgorithm.ED25519, 0, NOW);
        acmeSecondKey = DkimKey.generate(ACME, "a2026", DkimAlgorithm.ED25519, 0, NOW);
        otherKey = DkimKey.generate(OTHER, "b2026", DkimAlgorithm.ED25519, 0, NOW);
    }

    @BeforeEach
    void setUp() {
        store = new MemoryDkimKeyStore();
    }

    @Test
    void domainWithoutKeysListsNothing() {
        assertThat(store.list(ACME)).isEmpty();
    }

    @Test
    void addedKeyIsListedForItsDomainOnly() {
        assertThat(store.add(acmeKey)).isTrue();

        assertThat(store.list(ACME)).containsExactly(acmeKey);
        assertThat(store.list(OTHER)).isEmpty();
    }

    @Test
    void keysAreListedBySelector() {
        store.add(acmeKey);
        store.add(acmeSecondKey);

        assertThat(store.list(ACME)).extracting(DkimKey::selector).containsExactly("a2026", "b2026");
    }

    @Test
    void secondKeyWithTheSameSelectorIsRefusedAndTheFirstKept() {
        store.add(acmeKey);
        DkimKey sameSelector = DkimKey.generate(ACME, "b2026", DkimAlgorithm.ED25519, 0, NOW);

        assertThat(store.add(sameSelector)).isFalse();
        assertThat(store.list(ACME)).containsExactly(acmeKey);
    }

    @Test
    void sameSelectorInAnotherDomainIsAnotherKey() {
        store.add(acmeKey);

        assertThat(store.add(otherKey)).isTrue();
    }

    @Test
    void retiredKeyStaysListedAsRetired() {
        store.add(acmeKey);

        assertThat(store.retire(ACME, "b2026")).isTrue();

        assertThat(store.get(ACME, "b2026")).hasValueSatisfying(key -> {
            assertThat(key.state()).isEqualTo(DkimKey.State.RETIRED);
            assertThat(key.publicKey()).isEqualTo(acmeKey.publicKey());
        });
    }

    @Test
    void retiringAnUnknownKeyChangesNothing() {
        assertThat(store.retire(ACME, "missing")).isFalse();
        assertThat(store.list(ACME)).isEmpty();
    }

    @Test
    void deletedKeyIsGone() {
        store.add(acmeKey);
        store.add(acmeSecondKey);

        assertThat(store.delete(ACME, "b2026")).isTrue();

        assertThat(store.list(ACME)).containsExactly(acmeSecondKey);
    }

    @Test
    void deletingAnUnknownKeyReportsIt() {
        assertThat(store.delete(ACME, "missing")).isFalse();
    }
}
