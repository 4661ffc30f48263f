package dev.mailserver.dkim;

import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.james.core.Domain;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active keys of each domain, decoded and ready to sign, read again from the store once they are
 * older than the cache duration. The store is shared by all nodes, so a key created or retired through
 * WebAdmin on any node signs (or stops signing) everywhere after at most that duration.
 */
final class ActiveKeys {
    private static final Logger LOGGER = LoggerFactory.getLogger(ActiveKeys.class);

    private record Entry(Instant readAt, List<SigningKey> keys) {
    }

    private final DkimKeyStore store;
    private final Duration cacheDuration;
    private final Clock clock;
    private final Map<Domain, Entry> cache = new ConcurrentHashMap<>();

    ActiveKeys(DkimKeyStore store, Duration cacheDuration, Clock clock) {
        this.store = store;
        this.cacheDuration = cacheDuration;
        this.clock = clock;
    }

    List<SigningKey> of(Domain domain) {
        Instant now = clock.instant();
        Entry entry = cache.get(domain);
        if (entry == null || !now.isBefore(entry.readAt().plus(cacheDuration))) {
            entry = new Entry(now, read(domain));
            if (!cacheDuration.isZero()) {
                cache.put(domain, entry);
            }
        }
        return entry.keys();
    }

    private List<SigningKey> read(Domain domain) {
        List<SigningKey> keys = new ArrayList<>();
        for (DkimKey key : store.list(domain)) {
            if (!key.isActive()) {
                continue;
            }
            try {
                keys.add(SigningKey.of(key));
            } catch (GeneralSecurityException e) {
                LOGGER.error("DKIM key {} cannot be decoded and will not sign; replace it", key, e);
            }
        }
        return List.copyOf(keys);
    }
}
