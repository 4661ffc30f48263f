package dev.mailserver.bounce;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.james.core.Domain;
import org.apache.james.core.MailAddress;

/** The suppression list in memory, for tests. */
public class MemorySuppressionList implements SuppressionList {
    private final Map<String, Suppression> suppressions = new ConcurrentHashMap<>();

    @Override
    public void suppress(Suppression suppression) {
        suppressions.put(key(suppression.address()), suppression);
    }

    @Override
    public Optional<Suppression> find(MailAddress address) {
        return Optional.ofNullable(suppressions.get(key(address)));
    }

    @Override
    public void remove(MailAddress address) {
        suppressions.remove(key(address));
    }

    @Override
    public List<Suppression> list(Optional<Domain> domain, int offset, int limit) {
        return suppressions.values().stream()
            .filter(suppression -> domain.map(suppression.address().getDomain()::equals).orElse(true))
            .sorted(Comparator.comparing((Suppression suppression) -> suppression.address().getDomain().asString())
                .thenComparing(suppression -> suppression.address().getLocalPart().toLowerCase(Locale.ROOT)))
            .skip(offset)
            .limit(limit)
            .toList();
    }

    private static String key(MailAddress address) {
        return address.asString().toLowerCase(Locale.ROOT);
    }
}
