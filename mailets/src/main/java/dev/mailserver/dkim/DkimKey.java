package dev.mailserver.dkim;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

import org.apache.james.core.Domain;

/**
 * One DKIM signing key of a domain, named by its selector: the private half (PKCS#8) stays on the server,
 * the public half is what the domain owner publishes in DNS at {@link #dnsName()}.
 *
 * <p>An {@link State#ACTIVE active} key signs outgoing mail. A {@link State#RETIRED retired} key no longer
 * signs, but stays listed so that its DNS record is kept published while mail it signed is still in
 * flight; deleting it is the last step of a rotation.
 */
public final class DkimKey {
    public enum State {
        ACTIVE, RETIRED;

        public String asString() {
            return name().toLowerCase(Locale.ROOT);
        }

        static State parse(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * RFC 6376 section 3.1: a selector is one or more DNS labels (letters, digits, inner hyphens) joined by
     * dots. Lower case only, so that two spellings of one DNS name cannot be two keys.
     */
    private static final Pattern SELECTOR = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final int MAX_SELECTOR_LENGTH = 63;

    private final Domain domain;
    private final String selector;
    private final DkimAlgorithm algorithm;
    private final State state;
    private final Instant createdAt;
    private final String publicKey;
    private final byte[] privateKey;

    public DkimKey(Domain domain, String selector, DkimAlgorithm algorithm, State state, Instant createdAt,
                   String publicKey, byte[] privateKey) {
        if (!isValidSelector(selector)) {
            throw new IllegalArgumentException("Invalid DKIM selector '" + selector + "'");
        }
        this.domain = Objects.requireNonNull(domain, "domain");
        this.selector = selector;
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        this.state = Objects.requireNonNull(state, "state");
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.publicKey = Objects.requireNonNull(publicKey, "publicKey");
        this.privateKey = Objects.requireNonNull(privateKey, "privateKey").clone();
    }

    /** A new active key with a freshly generated key pair; {@code rsaBits} is ignored for Ed25519. */
    public static DkimKey generate(Domain domain, String selector, DkimAlgorithm algorithm, int rsaBits, Instant now) {
        if (algorithm == DkimAlgorithm.RSA && !DkimAlgorithm.RSA_BITS.contains(rsaBits)) {
            throw new IllegalArgumentException("RSA keys have 2048, 3072 or 4096 bits, not " + rsaBits);
        }
        try {
            KeyPair pair = algorithm.generate(rsaBits);
            return new DkimKey(domain, selector, algorithm, State.ACTIVE, now,
                algorithm.dnsPublicKey(pair.getPublic()), pair.getPrivate().getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK cannot generate " + algorithm.keyType() + " keys", e);
        }
    }

    public static boolean isValidSelector(String selector) {
        return selector != null && selector.length() <= MAX_SELECTOR_LENGTH && SELECTOR.matcher(selector).matches();
    }

    public Domain domain() {
        return domain;
    }

    public String selector() {
        return selector;
    }

    public DkimAlgorithm algorithm() {
        return algorithm;
    }

    public State state() {
        return state;
    }

    public boolean isActive() {
        return state == State.ACTIVE;
    }

    public Instant createdAt() {
        return createdAt;
    }

    /** The base64 value of the {@code p=} tag. */
    public String publicKey() {
        return publicKey;
    }

    /** PKCS#8 DER. Never leaves the server: only the key store and the signer read it. */
    byte[] privateKeyPkcs8() {
        return privateKey.clone();
    }

    PrivateKey privateKey() throws GeneralSecurityException {
        return algorithm.privateKey(privateKey);
    }

    /** Where the public key is published: {@code {selector}._domainkey.{domain}}. */
    public String dnsName() {
        return selector + "._domainkey." + domain.asString();
    }

    /**
     * The TXT record value to publish at {@link #dnsName()}. An RSA record is longer than 255 characters:
     * most DNS consoles split it into several strings by themselves, which is fine, since resolvers
     * concatenate them.
     */
    public String dnsRecord() {
        return "v=DKIM1; k=" + algorithm.keyType() + "; p=" + publicKey;
    }

    public DkimKey retired() {
        return new DkimKey(domain, selector, algorithm, State.RETIRED, createdAt, publicKey, privateKey);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DkimKey other
            && domain.equals(other.domain)
            && selector.equals(other.selector)
            && algorithm == other.algorithm
            && state == other.state
            && createdAt.equals(other.createdAt)
            && publicKey.equals(other.publicKey)
            && java.util.Arrays.equals(privateKey, other.privateKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(domain, selector, algorithm, state, createdAt, publicKey);
    }

    /** Names the key; never prints the private half. */
    @Override
    public String toString() {
        return "DkimKey{" + dnsName() + ", " + algorithm.keyType() + ", " + state.asString() + "}";
    }
}
