package dev.mailserver.tls;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the server has a certificate for STARTTLS and implicit TLS on its first start: when neither
 * {@code var/tls/private.key} nor {@code var/tls/certificate.pem} exists, a self-signed RSA certificate
 * for this host is written there. Clients will warn about it; the README explains how to install a real
 * one (replace both files, or point the {@code <tls>} sections of the server configuration elsewhere).
 */
public final class SelfSignedCertificate {
    private static final Logger LOGGER = LoggerFactory.getLogger(SelfSignedCertificate.class);
    public static final String PRIVATE_KEY = "var/tls/private.key";
    public static final String CERTIFICATE = "var/tls/certificate.pem";
    private static final Duration VALIDITY = Duration.ofDays(3650);

    private SelfSignedCertificate() {
    }

    public static void generateIfAbsent(Path workingDirectory) throws IOException, GeneralSecurityException {
        Path privateKey = workingDirectory.resolve(PRIVATE_KEY);
        Path certificate = workingDirectory.resolve(CERTIFICATE);
        if (Files.exists(privateKey) || Files.exists(certificate)) {
            return;
        }
        String hostname = localHostname();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, new SecureRandom());
        KeyPair keyPair = generator.generateKeyPair();
        X509Certificate selfSigned = sign(keyPair, hostname);

        Files.createDirectories(privateKey.getParent());
        Path keyInProgress = privateKey.resolveSibling("private.key.tmp");
        Files.deleteIfExists(keyInProgress);
        Files.createFile(keyInProgress, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (Writer out = Files.newBufferedWriter(keyInProgress, StandardCharsets.US_ASCII);
             JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(new JcaPKCS8Generator(keyPair.getPrivate(), null));
        }
        Path certificateInProgress = certificate.resolveSibling("certificate.pem.tmp");
        try (Writer out = Files.newBufferedWriter(certificateInProgress, StandardCharsets.US_ASCII);
             JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(selfSigned);
        }
        // The certificate appears last, so an interrupted first start is retried rather than left half-done.
        Files.move(keyInProgress, privateKey);
        Files.move(certificateInProgress, certificate);
        LOGGER.warn("No TLS certificate found: generated a self-signed one for '{}' in {}. Install a real certificate for production (see README).",
            hostname, certificate.getParent());
    }

    private static X509Certificate sign(KeyPair keyPair, String hostname) throws GeneralSecurityException, IOException {
        X500Name subject = new X500Name("CN=" + hostname);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
            new BigInteger(64, new SecureRandom()),
            Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(VALIDITY)),
            subject, keyPair.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, hostname),
            new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        try {
            return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keyPair.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("Cannot sign the self-signed certificate", e);
        }
    }

    private static String localHostname() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
