package dev.mailserver.bounce;

import java.util.List;

import org.apache.james.core.MailAddress;

/** The bounces recorded for each recipient, kept for a retention period. */
public interface BounceEventStore {
    void record(BounceEvent event);

    /** The recipient's events, newest first. */
    List<BounceEvent> eventsOf(MailAddress recipient);
}
