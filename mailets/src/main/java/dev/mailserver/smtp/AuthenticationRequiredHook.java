package dev.mailserver.smtp;

import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.MailHook;

/**
 * For the submission ports (587, 465): refuses MAIL FROM until the client has authenticated, whatever
 * the recipients. James's own relay check only refuses unauthenticated mail to remote domains, which on
 * a submission port would let anyone inject mail for local users without a password.
 *
 * <p>Declared in the {@code <handlerchain>} of the submission servers in {@code conf/smtpserver.xml};
 * it has no parameters.
 */
public class AuthenticationRequiredHook implements MailHook {
    static final HookResult AUTHENTICATION_REQUIRED = HookResult.builder()
        .hookReturnCode(HookReturnCode.deny())
        .smtpReturnCode("530")
        .smtpDescription("5.7.0 Authentication required: log in with AUTH (after STARTTLS) before sending")
        .build();

    @Override
    public HookResult doMail(SMTPSession session, MaybeSender sender) {
        if (session.getUsername() == null) {
            return AUTHENTICATION_REQUIRED;
        }
        return HookResult.DECLINED;
    }
}
