package dev.mailserver.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;

import org.apache.james.core.Domain;
import org.junit.jupiter.api.Test;

class MemorySuppressionListTest {
    static Suppression suppression(String address) {
        return new Suppression(DeliveryStatusNotificationTest.address(address), "5.1.1", "gone", Instant.EPOCH);
    }

    @Test
    void listsByDomainThenAddressWithPaging() {
        MemorySuppressionList list = new MemorySuppressionList();
        list.suppress(suppression("zoe@b.test"));
        list.suppress(suppression("bob@a.test"));
        list.suppress(suppression("amy@b.test"));

        assertThat(list.list(Optional.empty(), 0, 10)).extracting(s -> s.address().asString())
            .containsExactly("bob@a.test", "amy@b.test", "zoe@b.test");
        assertThat(list.list(Optional.of(Domain.of("b.test")), 1, 10)).extracting(s -> s.address().asString())
            .containsExactly("zoe@b.test");
    }

    @Test
    void addressesAreFoundWhateverTheirCase() {
        MemorySuppressionList list = new MemorySuppressionList();
        list.suppress(suppression("Bob@Remote.test"));

        assertThat(list.find(DeliveryStatusNotificationTest.address("bob@remote.test"))).isPresent();
        list.remove(DeliveryStatusNotificationTest.address("BOB@remote.test"));
        assertThat(list.find(DeliveryStatusNotificationTest.address("bob@remote.test"))).isEmpty();
    }
}
