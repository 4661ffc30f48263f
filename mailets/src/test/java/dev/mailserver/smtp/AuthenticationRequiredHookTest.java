package dev.mailserver.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import org.apache.james.core.MaybeSender;
import org.apache.james.core.Username;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.junit.jupiter.api.Test;

class AuthenticationRequiredHookTest {
    private final AuthenticationRequiredHook hook = new AuthenticationRequiredHook();

    @Test
    void refusesMailFromWithA530UntilTheClientHasAuthenticated() {
        SMTPSession anonymous = mock(SMTPSession.class);

        HookResult result = hook.doMail(anonymous, MaybeSender.nullSender());

        assertThat(result.getSmtpRetCode()).isEqualTo("530");
        assertThat(result.getSmtpDescription()).startsWith("5.7.0 ");
    }

    @Test
    void letsAnAuthenticatedClientGoOnToTheOtherChecks() {
        SMTPSession authenticated = mock(SMTPSession.class);
        when(authenticated.getUsername()).thenReturn(Username.of("alice@example.com"));

        assertThat(hook.doMail(authenticated, MaybeSender.nullSender())).isEqualTo(HookResult.DECLINED);
    }
}
