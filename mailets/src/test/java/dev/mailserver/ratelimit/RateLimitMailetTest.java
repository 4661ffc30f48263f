package dev.mailserver.ratelimit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetConfig;
import org.apache.mailet.MailetContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RateLimitMailetTest {
    MailetContext context = mock(MailetContext.class);
    RateLimiter limiter = new RateLimiter(new RateLimitPolicy(Map.of(), new MemoryRateLimitOverrides()), new MemoryRateLimitCounters());
    RateLimit mailet = new RateLimit(limiter);
    MailAddress bob;
    MailAddress carol;

    @BeforeEach
    void addresses() throws Exception {
        bob = new MailAddress("bob@example.com");
        carol = new MailAddress("carol@example.com");
    }

    @Test
    void mailWithinTheLimitGoesOn() throws Exception {
        mailet.init(config(Map.of("perMinute", "messages=1")));
        Mail mail = mail(List.of(bob));

        mailet.service(mail);

        verify(mail, never()).setState(any());
    }

    @Test
    void mailOverTheLimitGoesToTheRateLimitedProcessor() throws Exception {
        mailet.init(config(Map.of("perMinute", "messages=1")));
        mailet.service(mail(List.of(bob)));
        Mail second = mail(List.of(bob));

        mailet.service(second);

        verify(second).setState("rate-limited");
    }

    @Test
    void onlyTheRecipientsOverTheLimitAreSplitOff() throws Exception {
        mailet.init(config(Map.of("perMinute", "messages=1", "exceededProcessor", "held")));
        mailet.service(mail(List.of(bob)));
        Mail toBoth = mail(List.of(bob, carol));
        Mail copy = mock(Mail.class);
        when(toBoth.duplicate()).thenReturn(copy);

        mailet.service(toBoth);

        verify(copy).setRecipients(List.of(bob));
        verify(context).sendMail(copy, "held");
        verify(toBoth).setRecipients(List.of(carol));
        verify(toBoth, never()).setState(any());
    }

    @Test
    void aMailetWithoutLimitsDoesNotStart() {
        assertThatThrownBy(() -> mailet.init(config(Map.of("keys", "recipient"))))
            .isInstanceOf(MessagingException.class).hasMessageContaining("at least one limit");
    }

    @Test
    void aBadLimitNamesIt() {
        assertThatThrownBy(() -> mailet.init(config(Map.of("perHour", "mesages=5"))))
            .isInstanceOf(MessagingException.class).hasMessageContaining("mesages");
    }

    @Test
    void anUnknownKeyNamesIt() {
        assertThatThrownBy(() -> mailet.init(config(Map.of("keys", "sender", "perHour", "messages=5"))))
            .isInstanceOf(MessagingException.class).hasMessageContaining("sender");
    }

    private static Mail mail(List<MailAddress> recipients) throws MessagingException {
        Mail mail = mock(Mail.class);
        when(mail.getRecipients()).thenReturn(recipients);
        when(mail.getMessageSize()).thenReturn(100L);
        when(mail.getName()).thenReturn("mail");
        when(mail.getAttribute(any(org.apache.mailet.AttributeName.class))).thenReturn(Optional.empty());
        return mail;
    }

    private MailetConfig config(Map<String, String> parameters) {
        return new MailetConfig() {
            @Override
            public String getInitParameter(String name) {
                return parameters.get(name);
            }

            @Override
            public Iterator<String> getInitParameterNames() {
                return parameters.keySet().iterator();
            }

            @Override
            public MailetContext getMailetContext() {
                return context;
            }

            @Override
            public String getMailetName() {
                return "RateLimit";
            }
        };
    }
}
