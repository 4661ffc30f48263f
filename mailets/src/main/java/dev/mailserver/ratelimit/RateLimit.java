package dev.mailserver.ratelimit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MailAddress;
import org.apache.mailet.AttributeUtils;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate limits in the mail pipeline, for mail that SMTP did not check (inbound per-recipient floods, mail
 * that entered through WebAdmin or a mailet). Mail over a limit is not refused, it is already accepted:
 * it goes to another processor, by default {@code rate-limited}, which keeps it in a mail repository an
 * admin can inspect and reprocess (WebAdmin {@code /mailRepositories}).
 *
 * <p>Sender-side keys (user, domain, ip, global) decide for the whole mail. The recipient key decides per
 * recipient: the recipients over their limit are split off into a copy sent to the processor, the others
 * go on.
 *
 * <p>Parameters, read once at start (a bad one stops the server with its name):
 * <ul>
 *   <li>{@code keys}: comma-separated among {@code user} (the SMTP-authenticated sender), {@code domain}
 *       (its domain), {@code recipient}, {@code ip} (the remote client), {@code global}. Default
 *       {@code recipient}.</li>
 *   <li>{@code perMinute}, {@code perHour}, {@code perDay}: the limits of that window as
 *       {@code metric=value} pairs separated by commas, e.g. {@code messages=100, recipients=500, bytes=50M}
 *       (metrics and values as in conf/ratelimit.properties). At least one limit is required. The same
 *       limits apply to each key of each type listed.</li>
 *   <li>{@code exceededProcessor}: where mail over a limit goes. Default {@code rate-limited}.</li>
 *   <li>{@code counters}: the name its counters are kept under, apart from the SMTP servers' counters
 *       and from other RateLimit mailets. Default {@code pipeline}.</li>
 *   <li>{@code onStorageFailure}: {@code open} (default: the mail was already accepted, deliver it
 *       unchecked rather than hold everything while Cassandra is down) or {@code closed} (send it to
 *       {@code exceededProcessor}).</li>
 * </ul>
 */
public class RateLimit extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(RateLimit.class);

    private final RateLimiter limiter;
    private Set<RateLimitKey.Type> keys;
    private RateLimits limits;
    private String exceededProcessor;
    private String counters;
    private boolean failOpen;

    @Inject
    public RateLimit(RateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public void init() throws MessagingException {
        try {
            keys = RateLimitHook.parseKeys(getInitParameter("keys", "recipient"));
        } catch (ConfigurationException e) {
            throw new MessagingException("RateLimit parameter 'keys': " + e.getMessage());
        }
        if (keys.isEmpty()) {
            throw new MessagingException("RateLimit parameter 'keys' names no key");
        }
        Map<String, String> limitParameters = new LinkedHashMap<>();
        try {
            for (RateLimitWindow window : RateLimitWindow.values()) {
                String pairs = getInitParameter(window.jsonName(), "");
                for (String pair : pairs.split(",")) {
                    if (pair.isBlank()) {
                        continue;
                    }
                    String[] metricAndValue = pair.split("=", 2);
                    if (metricAndValue.length != 2) {
                        throw new IllegalArgumentException("parameter '" + window.jsonName() + "': '" + pair.trim()
                            + "' is not of the form metric=value, e.g. messages=100");
                    }
                    limitParameters.put(window.jsonName() + "." + metricAndValue[0].trim(), metricAndValue[1].trim());
                }
            }
            limits = RateLimits.fromFlatMap(limitParameters);
        } catch (IllegalArgumentException e) {
            throw new MessagingException("RateLimit: " + e.getMessage());
        }
        if (limits.isEmpty()) {
            throw new MessagingException("RateLimit needs at least one limit, e.g. <perHour>messages=100</perHour>");
        }
        exceededProcessor = getInitParameter("exceededProcessor", "rate-limited").trim();
        counters = getInitParameter("counters", "pipeline").trim();
        String onFailure = getInitParameter("onStorageFailure", "open").trim().toLowerCase(Locale.ROOT);
        if (!onFailure.equals("open") && !onFailure.equals("closed")) {
            throw new MessagingException("RateLimit parameter 'onStorageFailure' must be 'open' or 'closed', got '" + onFailure + "'");
        }
        failOpen = onFailure.equals("open");
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        Collection<MailAddress> recipients = mail.getRecipients();
        if (recipients.isEmpty()) {
            return;
        }
        long size = Math.max(0, mail.getMessageSize());
        try {
            Optional<RateLimiter.Exceeded> senderExceeded = acquire(senderCharges(mail, new Usage(1, recipients.size(), size)));
            if (senderExceeded.isPresent()) {
                divert(mail, senderExceeded.get());
                return;
            }
            if (!keys.contains(RateLimitKey.Type.RECIPIENT)) {
                return;
            }
            List<MailAddress> accepted = new ArrayList<>();
            List<MailAddress> refused = new ArrayList<>();
            Optional<RateLimiter.Exceeded> firstRefusal = Optional.empty();
            for (MailAddress recipient : recipients) {
                Optional<RateLimiter.Exceeded> exceeded = acquire(List.of(
                    new RateLimiter.Charge(RateLimitKey.recipient(recipient.asString()), new Usage(1, 1, size))));
                if (exceeded.isPresent()) {
                    refused.add(recipient);
                    firstRefusal = firstRefusal.or(() -> exceeded);
                } else {
                    accepted.add(recipient);
                }
            }
            if (accepted.isEmpty()) {
                divert(mail, firstRefusal.get());
            } else if (!refused.isEmpty()) {
                Mail overLimit = mail.duplicate();
                overLimit.setRecipients(refused);
                overLimit.setErrorMessage("Rate limit reached: " + firstRefusal.get().describe());
                getMailetContext().sendMail(overLimit, exceededProcessor);
                LOGGER.info("Rate limit: {} of mail {} sent to processor {}: {}", refused, mail.getName(),
                    exceededProcessor, firstRefusal.get().describe());
                mail.setRecipients(accepted);
            }
        } catch (RuntimeException e) {
            if (failOpen) {
                LOGGER.warn("Rate limits cannot be checked for mail {}; let through (onStorageFailure=open)", mail.getName(), e);
            } else {
                LOGGER.warn("Rate limits cannot be checked for mail {}; sent to {} (onStorageFailure=closed)",
                    mail.getName(), exceededProcessor, e);
                mail.setErrorMessage("Rate limits could not be checked");
                mail.setState(exceededProcessor);
            }
        }
    }

    private Optional<RateLimiter.Exceeded> acquire(List<RateLimiter.Charge> charges) {
        return limiter.acquire(charges, key -> limits, key -> counters + "/" + key.asString());
    }

    private List<RateLimiter.Charge> senderCharges(Mail mail, Usage usage) {
        List<RateLimiter.Charge> charges = new ArrayList<>();
        Optional<String> user = AttributeUtils.getValueAndCastFromMail(mail, Mail.SMTP_AUTH_USER, String.class);
        if (keys.contains(RateLimitKey.Type.USER)) {
            user.ifPresent(name -> charges.add(new RateLimiter.Charge(RateLimitKey.user(name), usage)));
        }
        if (keys.contains(RateLimitKey.Type.DOMAIN)) {
            user.filter(name -> name.contains("@"))
                .ifPresent(name -> charges.add(new RateLimiter.Charge(
                    RateLimitKey.domain(name.substring(name.lastIndexOf('@') + 1)), usage)));
        }
        if (keys.contains(RateLimitKey.Type.IP) && mail.getRemoteAddr() != null) {
            charges.add(new RateLimiter.Charge(RateLimitKey.ip(mail.getRemoteAddr()), usage));
        }
        if (keys.contains(RateLimitKey.Type.GLOBAL)) {
            charges.add(new RateLimiter.Charge(RateLimitKey.GLOBAL, usage));
        }
        return charges;
    }

    private void divert(Mail mail, RateLimiter.Exceeded exceeded) {
        LOGGER.info("Rate limit: mail {} sent to processor {}: {}", mail.getName(), exceededProcessor, exceeded.describe());
        mail.setErrorMessage("Rate limit reached: " + exceeded.describe());
        mail.setState(exceededProcessor);
    }

    @Override
    public String getMailetInfo() {
        return "Rate limits in the mail pipeline; mail over a limit goes to " + exceededProcessor;
    }
}
