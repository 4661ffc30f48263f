package dev.mailserver.smtp;

import javax.inject.Inject;

import org.apache.james.core.Username;
import org.apache.james.protocols.api.OidcSASLConfiguration;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.AuthHook;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.user.api.UsersRepository;
import org.apache.james.user.api.UsersRepositoryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SMTP AUTH PLAIN/LOGIN against the users repository, answering with the enhanced status codes of
 * RFC 4954 so that clients can tell a wrong password from a server problem:
 * <ul>
 *   <li>{@code 235 2.7.0} authenticated;</li>
 *   <li>{@code 535 5.7.8} wrong user name or password (James alone answers a bare {@code 535});</li>
 *   <li>{@code 454 4.7.0} the users repository cannot be reached: try later, the password may be right;</li>
 *   <li>{@code 538 5.7.11} AUTH where the server does not offer it, i.e. before STARTTLS on the
 *       submission port (James alone would hide AUTH from EHLO but still accept it, and so would take
 *       passwords in clear), and {@code 503 5.5.1} on a listener that offers no AUTH at all (MX).</li>
 * </ul>
 * Declared in {@code conf/smtpserver.xml} before James's core handlers of every listener, so that it
 * answers first.
 */
public class PasswordAuthHook implements AuthHook {
    private static final Logger LOGGER = LoggerFactory.getLogger(PasswordAuthHook.class);

    static final HookResult AUTHENTICATED = HookResult.builder()
        .hookReturnCode(HookReturnCode.ok())
        .smtpReturnCode("235")
        .smtpDescription("2.7.0 Authentication successful")
        .build();
    static final HookResult INVALID_CREDENTIALS = HookResult.builder()
        .hookReturnCode(HookReturnCode.deny())
        .smtpReturnCode("535")
        .smtpDescription("5.7.8 Authentication credentials invalid")
        .build();
    static final HookResult TEMPORARY_FAILURE = HookResult.builder()
        .hookReturnCode(HookReturnCode.denySoft())
        .smtpReturnCode("454")
        .smtpDescription("4.7.0 Temporary authentication failure, try again later")
        .build();

    static final HookResult ENCRYPTION_REQUIRED = HookResult.builder()
        .hookReturnCode(HookReturnCode.deny())
        .smtpReturnCode("538")
        .smtpDescription("5.7.11 Encryption required: use STARTTLS before AUTH")
        .build();
    static final HookResult AUTH_NOT_OFFERED = HookResult.builder()
        .hookReturnCode(HookReturnCode.deny())
        .smtpReturnCode("503")
        .smtpDescription("5.5.1 AUTH is not available on this port: use the submission port 587 or 465")
        .build();

    private final UsersRepository users;

    @Inject
    public PasswordAuthHook(UsersRepository users) {
        this.users = users;
    }

    @Override
    public HookResult doAuth(SMTPSession session, Username username, String password) {
        if (!session.isAuthAnnounced()) {
            return session.isTLSStarted() ? AUTH_NOT_OFFERED : ENCRYPTION_REQUIRED;
        }
        try {
            if (users.test(username, password)) {
                session.setUsername(username);
                session.setRelayingAllowed(true);
                return AUTHENTICATED;
            }
            return INVALID_CREDENTIALS;
        } catch (UsersRepositoryException | RuntimeException e) {
            LOGGER.warn("Cannot check the password of {}: users repository unavailable", username, e);
            return TEMPORARY_FAILURE;
        }
    }

    /** OAuth (XOAUTH2/OAUTHBEARER) is not offered; James's own hook would answer it if configured. */
    @Override
    public HookResult doSasl(SMTPSession session, OidcSASLConfiguration configuration, String initialResponse) {
        return HookResult.DECLINED;
    }
}
