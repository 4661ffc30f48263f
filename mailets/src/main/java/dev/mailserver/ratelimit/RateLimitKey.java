package dev.mailserver.ratelimit;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Whom a limit applies to: one user, one domain, one recipient, one client IP, or everybody. */
public record RateLimitKey(Type type, String value) {
    public enum Type {
        /** The authenticated user who submits the mail. */
        USER("user"),
        /** The domain of the authenticated user: all its users together. */
        DOMAIN("domain"),
        /** One recipient address: mail it receives, whoever sends it. */
        RECIPIENT("recipient"),
        /** The remote SMTP client's IP address. */
        IP("ip"),
        /** All mail through the server (the whole cluster). */
        GLOBAL("global");

        private final String configName;

        Type(String configName) {
            this.configName = configName;
        }

        /** The prefix in conf/ratelimit.properties and the name in {@code <keys>} lists. */
        public String configName() {
            return configName;
        }

        public static Optional<Type> fromConfigName(String name) {
            return Arrays.stream(values()).filter(type -> type.configName.equalsIgnoreCase(name.trim())).findFirst();
        }
    }

    public static final RateLimitKey GLOBAL = new RateLimitKey(Type.GLOBAL, "");

    public RateLimitKey {
        value = value.toLowerCase(Locale.ROOT);
    }

    public static RateLimitKey user(String user) {
        return new RateLimitKey(Type.USER, user);
    }

    public static RateLimitKey domain(String domain) {
        return new RateLimitKey(Type.DOMAIN, domain);
    }

    public static RateLimitKey recipient(String address) {
        return new RateLimitKey(Type.RECIPIENT, address);
    }

    public static RateLimitKey ip(String address) {
        return new RateLimitKey(Type.IP, address);
    }

    /** The stored form, e.g. {@code user:alice@example.com}, {@code global:}. */
    public String asString() {
        return type.configName + ":" + value;
    }

    /** For humans, e.g. in an SMTP reply: {@code user alice@example.com}, {@code the server}. */
    public String describe() {
        return type == Type.GLOBAL ? "the server" : type.configName + " " + value;
    }
}
