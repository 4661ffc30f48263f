package dev.mailserver.bounce;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the submission ports: refuses recipients on the suppression list at RCPT, before the message is
 * written, with {@code 550 5.1.1} and when and why the address bounced, so that the sender knows at once
 * and an admin knows what to lift ({@code DELETE /bounces/suppressions/{address}}). When the list cannot be
 * read, answers {@code 451 4.3.0} rather than letting mail through or refusing it for good.
 */
public class SuppressedRecipientHook implements RcptHook {
    private static final Logger LOGGER = LoggerFactory.getLogger(SuppressedRecipientHook.class);
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    private final SuppressionList suppressions;

    @Inject
    public SuppressedRecipientHook(SuppressionList suppressions) {
        this.suppressions = suppressions;
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress rcpt) {
        return doRcpt(session, sender, rcpt, Map.of());
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress rcpt, Map<String, String> parameters) {
        Optional<Suppression> suppression;
        try {
            suppression = suppressions.find(rcpt);
        } catch (RuntimeException e) {
            LOGGER.warn("Cannot check whether {} is suppressed", rcpt, e);
            return HookResult.builder()
                .hookReturnCode(HookReturnCode.denySoft())
                .smtpReturnCode("451")
                .smtpDescription("4.3.0 Cannot check the recipient right now, try again later")
                .build();
        }
        return suppression.map(SuppressedRecipientHook::refusal).orElse(HookResult.DECLINED);
    }

    static HookResult refusal(Suppression suppression) {
        return HookResult.builder()
            .hookReturnCode(HookReturnCode.deny())
            .smtpReturnCode("550")
            .smtpDescription("5.1.1 <" + suppression.address().asString() + "> bounced before ("
                + suppression.status() + " on " + DATE.format(suppression.since())
                + "), so mail to it is not sent; ask your administrator to remove it from the suppression list")
            .build();
    }
}
