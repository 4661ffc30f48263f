package dev.mailserver.dkim;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The two signing algorithms we offer: {@code rsa-sha256} (RFC 6376) and {@code ed25519-sha256}
 * (RFC 8463). Both use the JDK's own providers; keys travel as PKCS#8 (private) and in the DNS form
 * of the {@code p=} tag (public).
 */
public enum DkimAlgorithm {
    RSA("rsa", "rsa-sha256", "RSA") {
        @Override
        KeyPair generate(int bits) throws GeneralSecurityException {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(bits);
            return generator.generateKeyPair();
        }

        @Override
        String dnsPublicKey(PublicKey key) {
            // p= of an RSA key is the DER SubjectPublicKeyInfo, which is what getEncoded() returns.
            return Base64.getEncoder().encodeToString(key.getEncoded());
        }

        @Override
        byte[] sign(PrivateKey key, byte[] signedData) throws GeneralSecurityException {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update(signedData);
            return signature.sign();
        }
    },
    ED25519("ed25519", "ed25519-sha256", "Ed25519") {
        /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw 32-byte key follows it. */
        private static final int SPKI_PREFIX_LENGTH = 12;

        @Override
        KeyPair generate(int bits) throws GeneralSecurityException {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        }

        @Override
        String dnsPublicKey(PublicKey key) {
            // RFC 8463 section 4.2: p= is the raw 32-byte public key, not a SubjectPublicKeyInfo.
            byte[] spki = key.getEncoded();
            return Base64.getEncoder().encodeToString(Arrays.copyOfRange(spki, SPKI_PREFIX_LENGTH, spki.length));
        }

        @Override
        byte[] sign(PrivateKey key, byte[] signedData) throws GeneralSecurityException {
            // RFC 8463 section 3: PureEdDSA over the SHA-256 hash of the data, not over the data itself.
            Signature signature = Signature.getInstance("Ed25519");
            signature.initSign(key);
            signature.update(MessageDigest.getInstance("SHA-256").digest(signedData));
            return signature.sign();
        }
    };

    public static final int DEFAULT_RSA_BITS = 2048;
    /** Below 2048 bits RSA is considered breakable; above 4096 the DNS record gets unwieldy. */
    public static final Set<Integer> RSA_BITS = Set.of(2048, 3072, 4096);

    private final String keyType;
    private final String signatureAlgorithm;
    private final String jcaName;

    DkimAlgorithm(String keyType, String signatureAlgorithm, String jcaName) {
        this.keyType = keyType;
        this.signatureAlgorithm = signatureAlgorithm;
        this.jcaName = jcaName;
    }

    /** {@code rsa} or {@code ed25519}: the {@code k=} tag of the DNS record and the WebAdmin parameter. */
    public String keyType() {
        return keyType;
    }

    /** {@code rsa-sha256} or {@code ed25519-sha256}: the {@code a=} tag of the signature. */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    public static Optional<DkimAlgorithm> ofKeyType(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String lower = value.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(algorithm -> algorithm.keyType.equals(lower)).findFirst();
    }

    PrivateKey privateKey(byte[] pkcs8) throws GeneralSecurityException {
        return KeyFactory.getInstance(jcaName).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }

    /** A fresh key pair; {@code bits} only matters for RSA. */
    abstract KeyPair generate(int bits) throws GeneralSecurityException;

    /** The base64 value of the {@code p=} tag for this public key. */
    abstract String dnsPublicKey(PublicKey key);

    /** The {@code b=} value (before base64) over the canonicalized headers. */
    abstract byte[] sign(PrivateKey key, byte[] signedData) throws GeneralSecurityException;
}
