package dev.mailserver.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.junit.jupiter.api.Test;

class SuppressedRecipientHookTest {
    static final MailAddress BOB = DeliveryStatusNotificationTest.address("bob@remote.test");

    @Test
    void aSuppressedRecipientIsRefusedWith550_5_1_1SayingWhenItBounced() {
        MemorySuppressionList suppressions = new MemorySuppressionList();
        suppressions.suppress(new Suppression(BOB, "5.1.1", "550 5.1.1 User unknown", Instant.parse("2026-11-20T09:30:00Z")));

        HookResult result = new SuppressedRecipientHook(suppressions).doRcpt(null, MaybeSender.nullSender(), BOB);

        assertThat(result.getResult()).isEqualTo(HookReturnCode.deny());
        assertThat(result.getSmtpRetCode()).isEqualTo("550");
        assertThat(result.getSmtpDescription())
            .startsWith("5.1.1 <bob@remote.test> bounced before (5.1.1 on 2026-11-20 09:30 UTC)");
    }

    @Test
    void otherRecipientsAreLeftToTheNextHooks() {
        HookResult result = new SuppressedRecipientHook(new MemorySuppressionList()).doRcpt(null, MaybeSender.nullSender(), BOB);

        assertThat(result).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void anUnreadableListGivesATemporaryRefusal() {
        SuppressionList broken = new MemorySuppressionList() {
            @Override
            public Optional<Suppression> find(MailAddress address) {
                throw new IllegalStateException("Cassandra down");
            }
        };

        HookResult result = new SuppressedRecipientHook(broken).doRcpt(null, MaybeSender.nullSender(), BOB);

        assertThat(result.getSmtpRetCode()).isEqualTo("451");
        assertThat(result.getSmtpDescription()).startsWith("4.3.0");
    }
}
