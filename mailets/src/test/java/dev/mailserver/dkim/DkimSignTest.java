package dev.mailserver.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.Domain;
import org.apache.james.server.core.MimeMessageInputStreamSource;
import org.apache.james.server.core.MimeMessageWrapper;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetException;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.mailserver.dkim.PythonDkimVerifier.Result;

/**
 * The DkimSign mailet on messages as James holds them ({@link MimeMessageWrapper}), its signatures
 * checked by dkimpy (python3-dkim) with the public keys of the DNS records.
 */
class DkimSignTest {
    static final Domain DOMAIN = Domain.of("acme.test");
    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    static DkimKey rsa;
    static DkimKey ed25519;

    MemoryDkimKeyStore store;
    DkimSign mailet;

    @BeforeAll
    static void generateKeys() {
        rsa = DkimKey.generate(DOMAIN, "rsa1", DkimAlgorithm.RSA, 2048, NOW);
        ed25519 = DkimKey.generate(DOMAIN, "ed1", DkimAlgorithm.ED25519, 0, NOW);
    }

    @BeforeEach
    void setUp() throws MessagingException {
        store = new MemoryDkimKeyStore();
        mailet = mailet(store, "0");
    }

    static DkimSign mailet(DkimKeyStore store, String keyCacheSeconds) throws MessagingException {
        DkimSign mailet = new DkimSign(store, Clock.fixed(NOW, ZoneOffset.UTC));
        mailet.init(FakeMailetConfig.builder().mailetName("DkimSign")
            .setProperty(DkimSign.KEY_CACHE_SECONDS, keyCacheSeconds).build());
        return mailet;
    }

    static final String SIMPLE = """
        From: Alice <alice@acme.test>\r
        To: bob@example.com\r
        Subject: Hello\r
        Date: Mon, 23 Nov 2026 10:00:00 +0000\r
        Message-ID: <1@acme.test>\r
        MIME-Version: 1.0\r
        Content-Type: text/plain; charset=UTF-8\r
        \r
        Hello Bob,\r
        how are you?\r
        """;

    @Test
    void rsaSignatureIsValidForPythonDkim() throws Exception {
        store.add(rsa);

        List<Result> results = verify(signed(SIMPLE));

        assertThat(results).singleElement().satisfies(result -> {
            assertValid(result);
            assertThat(result.algorithm()).isEqualTo("rsa-sha256");
            assertThat(result.domain()).isEqualTo("acme.test");
            assertThat(result.selector()).isEqualTo("rsa1");
        });
    }

    @Test
    void ed25519SignatureIsValidForPythonDkim() throws Exception {
        store.add(ed25519);

        assertThat(verify(signed(SIMPLE))).singleElement().satisfies(result -> {
            assertValid(result);
            assertThat(result.algorithm()).isEqualTo("ed25519-sha256");
        });
    }

    @Test
    void domainWithBothKeysGetsBothSignatures() throws Exception {
        store.add(rsa);
        store.add(ed25519);

        List<Result> results = verify(signed(SIMPLE));

        assertThat(results).extracting(Result::algorithm).containsExactlyInAnyOrder("rsa-sha256", "ed25519-sha256");
        results.forEach(DkimSignTest::assertValid);
    }

    @Test
    void signatureListsTheSignedHeadersAndOverSignsFromWithoutLengthTag() throws Exception {
        store.add(ed25519);
        String message = """
            From: alice@acme.test\r
            To: bob@example.com\r
            Cc: carol@example.com\r
            Reply-To: sales@acme.test\r
            Subject: List mail\r
            Content-Type: text/plain\r
            Content-Transfer-Encoding: 7bit\r
            List-Id: <news.acme.test>\r
            List-Unsubscribe: <mailto:leave@acme.test>\r
            X-Not-Signed: yes\r
            Received: from somewhere\r
            \r
            body\r
            """;

        Result result = verify(signed(message)).get(0);

        assertValid(result);
        assertThat(result.signedHeaders().replaceAll("\\s", "").split(":")).containsExactly(
            // Date, Message-ID and MIME-Version were added by James before signing.
            "From", "From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To", "MIME-Version",
            "Content-Type", "Content-Transfer-Encoding", "List-Id", "List-Unsubscribe");
        assertThat(result.length()).isEmpty();
    }

    @Test
    void fromFieldAddedAfterSigningFailsVerification() throws Exception {
        store.add(rsa);
        String signed = new String(signed(SIMPLE), StandardCharsets.ISO_8859_1);

        String withSecondFrom = signed.replace("Subject: Hello", "From: mallory@evil.test\r\nSubject: Hello");

        assertThat(verify(withSecondFrom.getBytes(StandardCharsets.ISO_8859_1))).singleElement()
            .extracting(Result::valid).isEqualTo(false);
    }

    @Test
    void bodyModifiedAfterSigningFailsVerification() throws Exception {
        store.add(rsa);
        store.add(ed25519);
        String signed = new String(signed(SIMPLE), StandardCharsets.ISO_8859_1);

        String tampered = signed.replace("how are you?", "send me your password");

        List<Result> results = verify(tampered.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(results).hasSize(2).allSatisfy(result -> assertThat(result.valid()).isFalse());
    }

    @Test
    void foldedHeadersAndIrregularWhitespaceVerify() throws Exception {
        store.add(rsa);
        String message = """
            From: "Alice   Example"\r
            \t<alice@acme.test>\r
            To: bob@example.com,\r
              carol@example.com,   \r
              dave@example.com\r
            Subject:    A subject that was folded\r
             over two lines \t and has  odd   spacing\r
            Date: Mon, 23 Nov 2026 10:00:00 +0000\r
            Message-ID: <2@acme.test>\r
            \r
            Text with  double   spaces and trailing space   \r
            \r
            \r
            """;

        assertThat(verify(signed(message))).singleElement().satisfies(DkimSignTest::assertValid);
    }

    @Test
    void eightBitBodyVerifies() throws Exception {
        store.add(rsa);
        store.add(ed25519);
        String message = """
            From: alice@acme.test\r
            To: bob@example.com\r
            Subject: =?UTF-8?Q?D=C3=A9j=C3=A0_vu?=\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=UTF-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            Déjà vu, naïve café, Grüße, 日本語, emoji 🎉\r
            """;

        List<Result> results = verify(signed(message.getBytes(StandardCharsets.UTF_8)));

        assertThat(results).hasSize(2);
        results.forEach(DkimSignTest::assertValid);
    }

    @Test
    void longLinesVerify() throws Exception {
        store.add(rsa);
        String longLine = "word ".repeat(1000);
        String message = "From: alice@acme.test\r\nTo: bob@example.com\r\nSubject: " + "long ".repeat(100)
            + "\r\n\r\n" + longLine + "\r\n" + "x".repeat(3000) + "\r\n";

        assertThat(verify(signed(message))).singleElement().satisfies(DkimSignTest::assertValid);
    }

    @Test
    void messageWithAttachmentVerifies() throws Exception {
        store.add(rsa);
        store.add(ed25519);
        byte[] attachment = new byte[20_000];
        new Random(42).nextBytes(attachment);
        String message = "From: alice@acme.test\r\n"
            + "To: bob@example.com\r\n"
            + "Subject: Report attached\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
            + "\r\n"
            + "This is a multi-part message in MIME format.\r\n"
            + "--outer\r\n"
            + "Content-Type: text/plain; charset=UTF-8\r\n"
            + "\r\n"
            + "See the report.\r\n"
            + "--outer\r\n"
            + "Content-Type: application/octet-stream; name=\"report.bin\"\r\n"
            + "Content-Disposition: attachment; filename=\"report.bin\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "\r\n"
            + Base64.getMimeEncoder().encodeToString(attachment) + "\r\n"
            + "--outer--\r\n";

        List<Result> results = verify(signed(message));

        assertThat(results).hasSize(2);
        results.forEach(DkimSignTest::assertValid);
    }

    @Test
    void messageWithoutDateAndMessageIdVerifies() throws Exception {
        store.add(rsa);
        String message = "From: alice@acme.test\r\nTo: bob@example.com\r\nSubject: No date\r\n\r\nHello\r\n";

        byte[] signed = signed(message);

        assertThat(verify(signed)).singleElement().satisfies(DkimSignTest::assertValid);
        assertThat(new String(signed, StandardCharsets.ISO_8859_1)).contains("Message-ID: ", "Date: ");
    }

    @Test
    void emptyBodyVerifies() throws Exception {
        store.add(ed25519);

        assertThat(verify(signed("From: alice@acme.test\r\nTo: bob@example.com\r\nSubject: empty\r\n\r\n")))
            .singleElement().satisfies(DkimSignTest::assertValid);
    }

    @Test
    void signatureSurvivesTheMailQueue() throws Exception {
        store.add(rsa);
        store.add(ed25519);

        // The queue stores the bytes and gives the next processor a fresh message parsed from them.
        byte[] dequeued = bytes(wrap(signed(SIMPLE)));

        List<Result> results = verify(dequeued);
        assertThat(results).hasSize(2);
        results.forEach(DkimSignTest::assertValid);
    }

    @Test
    void mailAlreadySignedWithTheKeyIsNotSignedTwice() throws Exception {
        store.add(rsa);
        Mail mail = mail(wrap(signed(SIMPLE)));

        mailet.service(mail);

        assertThat(verify(bytes(mail.getMessage()))).singleElement().satisfies(DkimSignTest::assertValid);
    }

    @Test
    void mailSignedWithOneKeyGetsTheSignatureOfTheOtherKey() throws Exception {
        store.add(rsa);
        byte[] signedWithRsa = signed(SIMPLE);
        store.add(ed25519);

        Mail mail = mail(wrap(signedWithRsa));
        mailet.service(mail);

        assertThat(verify(bytes(mail.getMessage()))).extracting(Result::selector).containsExactlyInAnyOrder("rsa1", "ed1");
    }

    @Test
    void fromDomainWithoutKeyIsNotSigned() throws Exception {
        store.add(rsa);

        byte[] result = signed(SIMPLE.replace("alice@acme.test", "alice@other.test"));

        assertThat(verify(result)).isEmpty();
    }

    @Test
    void retiredKeyDoesNotSign() throws Exception {
        store.add(rsa);
        store.add(ed25519);
        store.retire(DOMAIN, "rsa1");

        assertThat(verify(signed(SIMPLE))).extracting(Result::selector).containsExactly("ed1");
    }

    @Test
    void retiredKeyStillSignsUntilTheCacheExpires() throws Exception {
        store.add(rsa);
        DkimSign cachingMailet = mailet(store, "10");
        cachingMailet.service(mail(wrap(SIMPLE.getBytes(StandardCharsets.UTF_8))));

        store.retire(DOMAIN, "rsa1");
        Mail mail = mail(wrap(SIMPLE.getBytes(StandardCharsets.UTF_8)));
        cachingMailet.service(mail);

        assertThat(verify(bytes(mail.getMessage()))).extracting(Result::selector).containsExactly("rsa1");
    }

    @Test
    void headerLineWithoutColonIsLeftUnsignedAndStillWritable() throws Exception {
        store.add(rsa);
        String malformed = "From: alice@acme.test\r\nTo: bob@example.com\r\nThis line is not a header\r\n"
            + "Subject: broken\r\n\r\nbody\r\n";
        Mail mail = mail(wrap(malformed.getBytes(StandardCharsets.UTF_8)));

        assertThatCode(() -> mailet.service(mail)).doesNotThrowAnyException();

        assertThat(new String(bytes(mail.getMessage()), StandardCharsets.UTF_8))
            .doesNotContain("DKIM-Signature").contains("body");
    }

    @Test
    void malformedContentTypeNeverMakesTheMailetFail() throws Exception {
        store.add(rsa);
        String malformed = "From: alice@acme.test\r\nTo: bob@example.com\r\nSubject: broken\r\n"
            + "Content-Type: multipart/mixed; boundary=\r\nMIME-Version: 1.0 (oops\r\n\r\nbody\r\n";
        Mail mail = mail(wrap(malformed.getBytes(StandardCharsets.UTF_8)));

        assertThatCode(() -> mailet.service(mail)).doesNotThrowAnyException();
        assertThat(new String(bytes(mail.getMessage()), StandardCharsets.UTF_8)).contains("body");
    }

    @Test
    void fromWithoutDomainIsNotSigned() throws Exception {
        store.add(rsa);

        assertThat(verify(signed(SIMPLE.replace("Alice <alice@acme.test>", "undisclosed")))).isEmpty();
    }

    @Test
    void messageWithTwoFromFieldsIsNotSigned() throws Exception {
        store.add(rsa);

        assertThat(verify(signed(SIMPLE.replace("To: ", "From: eve@acme.test\r\nTo: ")))).isEmpty();
    }

    @Test
    void keyStoreFailureLeavesTheMailUnsigned() throws Exception {
        DkimKeyStore broken = new MemoryDkimKeyStore() {
            @Override
            public List<DkimKey> list(Domain domain) {
                throw new IllegalStateException("Cassandra is down");
            }
        };
        Mail mail = mail(wrap(SIMPLE.getBytes(StandardCharsets.UTF_8)));

        assertThatCode(() -> mailet(broken, "0").service(mail)).doesNotThrowAnyException();
        assertThat(verify(bytes(mail.getMessage()))).isEmpty();
    }

    @Test
    void negativeKeyCacheSecondsIsRefusedNamingTheParameter() {
        DkimSign dkimSign = new DkimSign(store);

        assertThatThrownBy(() -> dkimSign.init(FakeMailetConfig.builder().mailetName("DkimSign")
                .setProperty("keyCacheSeconds", "-1").build()))
            .isInstanceOf(MailetException.class).hasMessageContaining("keyCacheSeconds");
    }

    @Test
    void nonNumericKeyCacheSecondsIsRefusedNamingTheParameter() {
        DkimSign dkimSign = new DkimSign(store);

        assertThatThrownBy(() -> dkimSign.init(FakeMailetConfig.builder().mailetName("DkimSign")
                .setProperty("keyCacheSeconds", "ten").build()))
            .isInstanceOf(MailetException.class).hasMessageContaining("keyCacheSeconds");
    }

    private byte[] signed(String message) throws Exception {
        return signed(message.getBytes(StandardCharsets.UTF_8));
    }

    private byte[] signed(byte[] message) throws Exception {
        Mail mail = mail(wrap(message));
        mailet.service(mail);
        return bytes(mail.getMessage());
    }

    static MimeMessageWrapper wrap(byte[] message) throws MessagingException {
        return new MimeMessageWrapper(MimeMessageInputStreamSource.create("test", new ByteArrayInputStream(message)));
    }

    static Mail mail(MimeMessage message) throws MessagingException {
        return FakeMail.builder().name("mail1").mimeMessage(message).build();
    }

    static byte[] bytes(MimeMessage message) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        return out.toByteArray();
    }

    static List<Result> verify(byte[] message) {
        return PythonDkimVerifier.verify(message, Map.of(
            rsa.dnsName(), rsa.dnsRecord(),
            ed25519.dnsName(), ed25519.dnsRecord()));
    }

    static void assertValid(Result result) {
        assertThat(result.valid())
            .as("signature %s/%s valid for python3-dkim; error %s; log:%n%s", result.selector(), result.algorithm(),
                result.error(), result.log())
            .isTrue();
    }
}
