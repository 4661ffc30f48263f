package dev.mailserver.ratelimit;

/** What has been sent (or is about to be) against one counter: messages, recipients, bytes. */
public record Usage(long messages, long recipients, long bytes) {
    public static final Usage NONE = new Usage(0, 0, 0);

    public Usage plus(Usage other) {
        return new Usage(messages + other.messages, recipients + other.recipients, bytes + other.bytes);
    }

    public Usage minus(Usage other) {
        return new Usage(Math.max(0, messages - other.messages), Math.max(0, recipients - other.recipients),
            Math.max(0, bytes - other.bytes));
    }
}
