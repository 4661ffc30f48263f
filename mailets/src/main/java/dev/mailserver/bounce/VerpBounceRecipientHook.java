package dev.mailserver.bounce;

import java.util.Map;

import javax.inject.Inject;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.RcptHook;

/**
 * On the MX port: accepts our VERP return paths as recipients, although no user has them, so that other
 * servers can deliver their bounces. Declared in {@code conf/smtpserver.xml} before James's
 * {@code ValidRcptHandler}, which would refuse them as unknown users.
 */
public class VerpBounceRecipientHook implements RcptHook {
    private final BounceConfiguration configuration;

    @Inject
    public VerpBounceRecipientHook(BounceConfiguration configuration) {
        this.configuration = configuration;
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress rcpt) {
        return doRcpt(session, sender, rcpt, Map.of());
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress rcpt, Map<String, String> parameters) {
        if (configuration.verp().map(verp -> verp.decode(rcpt).isPresent()).orElse(false)) {
            return HookResult.builder()
                .hookReturnCode(HookReturnCode.ok())
                .smtpReturnCode("250")
                .smtpDescription("2.1.5 Bounce address ok")
                .build();
        }
        return HookResult.DECLINED;
    }
}
