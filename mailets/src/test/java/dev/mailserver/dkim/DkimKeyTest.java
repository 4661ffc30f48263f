package dev.mailserver.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Base64;

import org.apache.james.core.Domain;
import org.junit.jupiter.api.Test;

class DkimKeyTest {
    static final Domain DOMAIN = Domain.of("acme.test");
    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void dnsNameIsSelectorUnderDomainkeyOfTheDomain() {
        DkimKey key = DkimKey.generate(DOMAIN, "mail2026", DkimAlgorithm.ED25519, 0, NOW);

        assertThat(key.dnsName()).isEqualTo("mail2026._domainkey.acme.test");
    }

    @Test
    void ed25519RecordCarriesTheRaw32BytePublicKey() {
        DkimKey key = DkimKey.generate(DOMAIN, "ed", DkimAlgorithm.ED25519, 0, NOW);

        assertThat(key.dnsRecord()).startsWith("v=DKIM1; k=ed25519; p=");
        assertThat(Base64.getDecoder().decode(key.publicKey())).hasSize(32);
    }

    @Test
    void rsaRecordCarriesTheSubjectPublicKeyInfo() {
        DkimKey key = DkimKey.generate(DOMAIN, "rsa", DkimAlgorithm.RSA, 2048, NOW);

        assertThat(key.dnsRecord()).startsWith("v=DKIM1; k=rsa; p=MIIBIjAN");
    }

    @Test
    void rsaKeysShorterThan2048BitsAreRefused() {
        assertThatThrownBy(() -> DkimKey.generate(DOMAIN, "rsa", DkimAlgorithm.RSA, 1024, NOW))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1024");
    }

    @Test
    void selectorsAreLowerCaseDnsLabels() {
        assertThat(DkimKey.isValidSelector("mail")).isTrue();
        assertThat(DkimKey.isValidSelector("rsa-2026-11")).isTrue();
        assertThat(DkimKey.isValidSelector("eu.mail1")).isTrue();
        assertThat(DkimKey.isValidSelector("")).isFalse();
        assertThat(DkimKey.isValidSelector("-mail")).isFalse();
        assertThat(DkimKey.isValidSelector("mail-")).isFalse();
        assertThat(DkimKey.isValidSelector("Mail")).isFalse();
        assertThat(DkimKey.isValidSelector("ma il")).isFalse();
        assertThat(DkimKey.isValidSelector("mail;p=x")).isFalse();
        assertThat(DkimKey.isValidSelector("a".repeat(64))).isFalse();
    }

    @Test
    void toStringNeverShowsThePrivateKey() {
        DkimKey key = DkimKey.generate(DOMAIN, "ed", DkimAlgorithm.ED25519, 0, NOW);

        assertThat(key.toString())
            .doesNotContain(Base64.getEncoder().encodeToString(key.privateKeyPkcs8()))
            .contains("ed._domainkey.acme.test");
    }
}
