package dev.mailserver.dkim;

import java.util.List;
import java.util.Optional;

import org.apache.james.core.Domain;

/**
 * The DKIM keys of every domain, shared by all nodes: WebAdmin writes them, the {@link DkimSign} mailet
 * reads them. Keys of a domain are identified by their selector.
 */
public interface DkimKeyStore {
    /** Stores a new key; false, and nothing changed, when the domain already has a key with that selector. */
    boolean add(DkimKey key);

    /** The keys of the domain, active and retired, ordered by selector. */
    List<DkimKey> list(Domain domain);

    default Optional<DkimKey> get(Domain domain, String selector) {
        return list(domain).stream().filter(key -> key.selector().equals(selector)).findFirst();
    }

    /** Stops signing with the key, keeping it listed; false when there is no such key. */
    boolean retire(Domain domain, String selector);

    /** Removes the key; false when there is no such key. */
    boolean delete(Domain domain, String selector);
}
