package dev.mailserver.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import org.apache.james.core.Username;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.user.api.UsersRepository;
import org.apache.james.user.api.UsersRepositoryException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PasswordAuthHookTest {
    private static final Username ALICE = Username.of("alice@example.com");

    private final UsersRepository users = mock(UsersRepository.class);
    private final SMTPSession session = mock(SMTPSession.class);
    private final PasswordAuthHook hook = new PasswordAuthHook(users);

    @BeforeEach
    void authIsOfferedInThisSession() {
        when(session.isAuthAnnounced()).thenReturn(true);
    }

    @Test
    void rightPasswordAuthenticatesTheSessionWith235() throws Exception {
        when(users.test(ALICE, "secret")).thenReturn(true);

        HookResult result = hook.doAuth(session, ALICE, "secret");

        assertThat(result.getSmtpRetCode()).isEqualTo("235");
        verify(session).setUsername(ALICE);
        verify(session).setRelayingAllowed(true);
    }

    @Test
    void wrongPasswordIsRefusedWith535AndEnhancedCode578() throws Exception {
        when(users.test(ALICE, "wrong")).thenReturn(false);

        HookResult result = hook.doAuth(session, ALICE, "wrong");

        assertThat(result.getSmtpRetCode()).isEqualTo("535");
        assertThat(result.getSmtpDescription()).startsWith("5.7.8 ");
        verify(session, never()).setUsername(ALICE);
    }

    @Test
    void authWhereItIsNotOfferedBeforeStartTlsIsRefusedWith538WithoutCheckingThePassword() throws Exception {
        when(session.isAuthAnnounced()).thenReturn(false);
        when(session.isTLSStarted()).thenReturn(false);

        HookResult result = hook.doAuth(session, ALICE, "secret");

        assertThat(result.getSmtpRetCode()).isEqualTo("538");
        assertThat(result.getSmtpDescription()).startsWith("5.7.11 ");
        verify(users, never()).test(ALICE, "secret");
        verify(session, never()).setUsername(ALICE);
    }

    @Test
    void authOnAListenerThatNeverOffersItIsRefusedWith503EvenOverTls() throws Exception {
        when(session.isAuthAnnounced()).thenReturn(false);
        when(session.isTLSStarted()).thenReturn(true);

        HookResult result = hook.doAuth(session, ALICE, "secret");

        assertThat(result.getSmtpRetCode()).isEqualTo("503");
        verify(session, never()).setUsername(ALICE);
    }

    @Test
    void unreachableUsersRepositoryIsATemporaryFailureNotAWrongPassword() throws Exception {
        when(users.test(ALICE, "secret")).thenThrow(new UsersRepositoryException("Cassandra down"));

        HookResult result = hook.doAuth(session, ALICE, "secret");

        assertThat(result.getSmtpRetCode()).isEqualTo("454");
        assertThat(result.getSmtpDescription()).startsWith("4.7.0 ");
    }
}
