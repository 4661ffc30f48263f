package dev.mailserver.dkim;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;

/** A key ready to sign: the stored {@link DkimKey} with its private half decoded once. */
public final class SigningKey {
    private final DkimKey key;
    private final PrivateKey privateKey;

    private SigningKey(DkimKey key, PrivateKey privateKey) {
        this.key = key;
        this.privateKey = privateKey;
    }

    public static SigningKey of(DkimKey key) throws GeneralSecurityException {
        return new SigningKey(key, key.privateKey());
    }

    public DkimKey key() {
        return key;
    }

    byte[] sign(byte[] signedData) throws GeneralSecurityException {
        return key.algorithm().sign(privateKey, signedData);
    }

    @Override
    public String toString() {
        return key.toString();
    }
}
