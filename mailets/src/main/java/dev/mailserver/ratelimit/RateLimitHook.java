package dev.mailserver.ratelimit;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.inject.Inject;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.core.Username;
import org.apache.james.protocols.api.ProtocolSession.State;
import org.apache.james.protocols.smtp.MailEnvelope;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.MessageHook;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces rate limits while the client is still connected, so that it learns at once and nothing it
 * was told is accepted gets dropped later:
 * <ul>
 *   <li>at RCPT, refuses the recipient when one more message (with the recipients accepted so far plus
 *       this one) would exceed a limit; nothing is recorded yet;</li>
 *   <li>at the end of DATA, before the message is queued, records the message (count, recipients,
 *       size) against every key at once, or refuses it if that would exceed a limit.</li>
 * </ul>
 * A refusal is {@code 451 4.7.1} with the limit and the time it resets: a well-behaved client retries
 * later. A message is recorded just before James queues it; if queueing then fails (the client gets a
 * 4xx and retries), the message was counted once too often, never once too few.
 *
 * <p>Declared in the {@code <handlerchain>} of conf/smtpserver.xml after the recipient checks and before
 * {@code CoreCmdHandlerLoader}. Parameters (child elements of {@code <handler>}):
 * <ul>
 *   <li>{@code <keys>}: comma-separated key types checked on this port, among
 *       {@code user, domain, recipient, ip, global}; default all. user and domain apply only to
 *       authenticated sessions.</li>
 *   <li>{@code <onStorageFailure>}: {@code closed} (default) answers {@code 451 4.3.0} when the counters
 *       cannot be read (Cassandra down), so nothing floods and the client retries; {@code open} accepts
 *       the mail unchecked and uncounted.</li>
 * </ul>
 */
public class RateLimitHook implements RcptHook, MessageHook {
    private static final Logger LOGGER = LoggerFactory.getLogger(RateLimitHook.class);

    static final HookResult STORAGE_UNAVAILABLE = HookResult.builder()
        .hookReturnCode(HookReturnCode.denySoft())
        .smtpReturnCode("451")
        .smtpDescription("4.3.0 Rate limits cannot be checked right now, try again later")
        .build();

    private final RateLimiter limiter;
    private Set<RateLimitKey.Type> keys = EnumSet.allOf(RateLimitKey.Type.class);
    private boolean failOpen = false;

    @Inject
    public RateLimitHook(RateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        keys = parseKeys(configuration.getString("keys", "user,domain,recipient,ip,global"));
        String onFailure = configuration.getString("onStorageFailure", "closed").trim().toLowerCase(Locale.ROOT);
        if (!onFailure.equals("open") && !onFailure.equals("closed")) {
            throw new ConfigurationException("RateLimitHook <onStorageFailure> must be 'open' or 'closed', got '" + onFailure + "'");
        }
        failOpen = onFailure.equals("open");
    }

    static Set<RateLimitKey.Type> parseKeys(String list) throws ConfigurationException {
        Set<RateLimitKey.Type> parsed = EnumSet.noneOf(RateLimitKey.Type.class);
        for (String name : list.split(",")) {
            if (name.isBlank()) {
                continue;
            }
            parsed.add(RateLimitKey.Type.fromConfigName(name).orElseThrow(() -> new ConfigurationException(
                "Unknown rate limit key '" + name.trim() + "': use user, domain, recipient, ip or global")));
        }
        return parsed;
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress rcpt) {
        int acceptedSoFar = session.getAttachment(SMTPSession.RCPT_LIST, State.Transaction).map(List::size).orElse(0);
        // One byte: a key whose byte budget is already spent cannot take another message.
        List<RateLimiter.Charge> charges = senderCharges(session, new Usage(1, acceptedSoFar + 1, 1));
        if (keys.contains(RateLimitKey.Type.RECIPIENT)) {
            charges.add(new RateLimiter.Charge(RateLimitKey.recipient(rcpt.asString()), new Usage(1, 1, 1)));
        }
        try {
            return limiter.check(charges).map(exceeded -> refuse(session, exceeded)).orElse(HookResult.DECLINED);
        } catch (RuntimeException e) {
            return storageFailure(e);
        }
    }

    @Override
    public HookResult onMessage(SMTPSession session, MailEnvelope mail) {
        List<MailAddress> recipients = mail.getRecipients().stream().distinct().toList();
        long size = Math.max(0, mail.getSize());
        List<RateLimiter.Charge> charges = senderCharges(session, new Usage(1, recipients.size(), size));
        if (keys.contains(RateLimitKey.Type.RECIPIENT)) {
            recipients.forEach(rcpt -> charges.add(
                new RateLimiter.Charge(RateLimitKey.recipient(rcpt.asString()), new Usage(1, 1, size))));
        }
        try {
            return limiter.acquire(charges).map(exceeded -> refuse(session, exceeded)).orElse(HookResult.DECLINED);
        } catch (RuntimeException e) {
            return storageFailure(e);
        }
    }

    private List<RateLimiter.Charge> senderCharges(SMTPSession session, Usage usage) {
        List<RateLimiter.Charge> charges = new ArrayList<>();
        Username user = session.getUsername();
        if (user != null && keys.contains(RateLimitKey.Type.USER)) {
            charges.add(new RateLimiter.Charge(RateLimitKey.user(user.asString()), usage));
        }
        if (user != null && keys.contains(RateLimitKey.Type.DOMAIN)) {
            user.getDomainPart().ifPresent(domain ->
                charges.add(new RateLimiter.Charge(RateLimitKey.domain(domain.asString()), usage)));
        }
        InetSocketAddress remote = session.getRemoteAddress();
        if (remote != null && remote.getAddress() != null && keys.contains(RateLimitKey.Type.IP)) {
            charges.add(new RateLimiter.Charge(RateLimitKey.ip(remote.getAddress().getHostAddress()), usage));
        }
        if (keys.contains(RateLimitKey.Type.GLOBAL)) {
            charges.add(new RateLimiter.Charge(RateLimitKey.GLOBAL, usage));
        }
        return charges;
    }

    private static HookResult refuse(SMTPSession session, RateLimiter.Exceeded exceeded) {
        LOGGER.info("Rate limit: refused mail in session {}: {}", session.getSessionID(), exceeded.describe());
        return HookResult.builder()
            .hookReturnCode(HookReturnCode.denySoft())
            .smtpReturnCode("451")
            .smtpDescription("4.7.1 Rate limit reached: " + exceeded.describe() + ". Try again later")
            .build();
    }

    private HookResult storageFailure(RuntimeException e) {
        if (failOpen) {
            LOGGER.warn("Rate limits cannot be checked; accepting unchecked (onStorageFailure=open)", e);
            return HookResult.DECLINED;
        }
        LOGGER.warn("Rate limits cannot be checked; answering 451 (onStorageFailure=closed)", e);
        return STORAGE_UNAVAILABLE;
    }
}
