package dev.mailserver.bounce;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** RFC 3463 enhanced status codes ({@code class.subject.detail}) as they appear in SMTP replies and DSNs. */
public final class EnhancedStatus {
    private static final Pattern CODE = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");
    private static final Pattern IN_REPLY = Pattern.compile("^\\s*(?:\\d{3}[ -])?\\s*([245]\\.\\d{1,3}\\.\\d{1,3})\\b");

    private EnhancedStatus() {
    }

    public static boolean isValid(String status) {
        return status != null && CODE.matcher(status).matches();
    }

    /** The enhanced code at the start of an SMTP reply text ("550 5.1.1 ..." or "5.1.1 ..."). */
    public static Optional<String> fromReply(String reply) {
        if (reply == null) {
            return Optional.empty();
        }
        Matcher matcher = IN_REPLY.matcher(reply);
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /** The code a reply carries, or the generic one of its class (RFC 3463 X.0.0) when it carries none. */
    public static String fromReply(int replyCode, String reply) {
        return fromReply(reply).orElse(replyCode >= 500 ? "5.0.0" : "4.0.0");
    }
}
