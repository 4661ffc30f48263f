package dev.mailserver.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.james.core.Domain;
import org.apache.james.core.MailAddress;
import org.junit.jupiter.api.Test;

class VerpAddressTest {
    static final VerpAddress VERP = new VerpAddress("bounces", Domain.of("bounces.company.test"));

    @Test
    void encodesTheRecipientInTheLocalPart() throws Exception {
        assertThat(VERP.encode(new MailAddress("bob.smith@remote.test")))
            .contains(new MailAddress("bounces+bob.smith=remote.test@bounces.company.test"));
    }

    @Test
    void decodesWhatItEncoded() throws Exception {
        MailAddress recipient = new MailAddress("bob+news@remote.test");

        assertThat(VERP.decode(VERP.encode(recipient).orElseThrow())).contains(recipient);
    }

    @Test
    void otherAddressesAreNoVerpAddresses() throws Exception {
        assertThat(VERP.decode(new MailAddress("bounces+bob=remote.test@company.test"))).isEmpty();
        assertThat(VERP.decode(new MailAddress("alice@bounces.company.test"))).isEmpty();
        assertThat(VERP.decode(new MailAddress("bounces+garbage@bounces.company.test"))).isEmpty();
    }

    @Test
    void addressesTooLongForALocalPartAreNotEncoded() throws Exception {
        assertThat(VERP.encode(new MailAddress("a".repeat(40) + "@" + "b".repeat(30) + ".test"))).isEmpty();
    }

    @Test
    void aLocalPartThatCannotBeInAnAddressIsRefused() {
        assertThatThrownBy(() -> new VerpAddress("bad part", Domain.of("x.test")))
            .isInstanceOf(IllegalArgumentException.class);
    }
}
