package dev.mailserver.bounce;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.james.core.MailAddress;

/** Bounce events in memory, for tests. Nothing expires. */
public class MemoryBounceEventStore implements BounceEventStore {
    private final Map<String, List<BounceEvent>> events = new ConcurrentHashMap<>();

    @Override
    public void record(BounceEvent event) {
        events.computeIfAbsent(key(event.recipient()), any -> java.util.Collections.synchronizedList(new ArrayList<>()))
            .add(event);
    }

    @Override
    public List<BounceEvent> eventsOf(MailAddress recipient) {
        List<BounceEvent> recorded = events.getOrDefault(key(recipient), List.of());
        synchronized (recorded) {
            return recorded.stream().sorted(Comparator.comparing(BounceEvent::at).reversed()).toList();
        }
    }

    private static String key(MailAddress address) {
        return address.asString().toLowerCase(Locale.ROOT);
    }
}
