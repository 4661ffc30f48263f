package dev.mailserver.dkim;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

import org.apache.james.core.Domain;

/** DKIM keys in this JVM's memory: for tests, and for a single-node server without Cassandra. */
public class MemoryDkimKeyStore implements DkimKeyStore {
    private final Map<Domain, ConcurrentSkipListMap<String, DkimKey>> keys = new ConcurrentHashMap<>();

    @Override
    public boolean add(DkimKey key) {
        return keysOf(key.domain()).putIfAbsent(key.selector(), key) == null;
    }

    @Override
    public List<DkimKey> list(Domain domain) {
        return List.copyOf(keysOf(domain).values());
    }

    @Override
    public boolean retire(Domain domain, String selector) {
        return keysOf(domain).computeIfPresent(selector, (name, key) -> key.retired()) != null;
    }

    @Override
    public boolean delete(Domain domain, String selector) {
        return keysOf(domain).remove(selector) != null;
    }

    private ConcurrentSkipListMap<String, DkimKey> keysOf(Domain domain) {
        return keys.computeIfAbsent(domain, any -> new ConcurrentSkipListMap<>());
    }
}
