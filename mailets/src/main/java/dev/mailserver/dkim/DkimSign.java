package dev.mailserver.dkim;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import javax.inject.Inject;

import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.Domain;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetException;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.mailserver.dkim.DkimSigner.SignableMessage;

/**
 * Signs mail with DKIM (RFC 6376, relaxed/relaxed) using the active keys of the domain of its From
 * field, taken from the {@link DkimKeyStore} managed through WebAdmin {@code /dkim/keys}. A domain with
 * an RSA and an Ed25519 key gets both signatures. What is signed is described in {@link DkimSigner}.
 *
 * <p>Mail is left unsigned, and delivered, when its From domain has no active key, when it is already
 * signed by us with that key (d= and s=), or when it cannot be signed (no single From with a domain, a
 * malformed header section, the key store unreachable): the reason is logged. This mailet never fails
 * a mail.
 *
 * <p>It must be the last mailet that changes the message before delivery, since any later change to a
 * signed header or to the body breaks the signature; see {@code conf/mailetcontainer.xml}. Match only
 * mail our users or the server sent, never mail received from the Internet.
 *
 * <p>Parameters:
 * <ul>
 *   <li>{@code keyCacheSeconds} (default 10, 0 to read the store for every mail): how long the keys of a
 *   domain are reused before reading them again. A key created or retired on any node signs or stops
 *   signing on every node after at most this long.</li>
 * </ul>
 * <pre>{@code
 * <mailet match="All" class="dev.mailserver.dkim.DkimSign">
 *     <keyCacheSeconds>10</keyCacheSeconds>
 * </mailet>
 * }</pre>
 */
public class DkimSign extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(DkimSign.class);
    static final String KEY_CACHE_SECONDS = "keyCacheSeconds";
    static final int DEFAULT_KEY_CACHE_SECONDS = 10;

    private final DkimKeyStore store;
    private final Clock clock;
    private ActiveKeys activeKeys;

    @Inject
    public DkimSign(DkimKeyStore store) {
        this(store, Clock.systemUTC());
    }

    DkimSign(DkimKeyStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        String value = getInitParameter(KEY_CACHE_SECONDS, String.valueOf(DEFAULT_KEY_CACHE_SECONDS)).trim();
        int seconds;
        try {
            seconds = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new MailetException(KEY_CACHE_SECONDS + " must be a whole number of seconds, not '" + value + "'");
        }
        if (seconds < 0) {
            throw new MailetException(KEY_CACHE_SECONDS + " must be 0 or more, not " + seconds);
        }
        activeKeys = new ActiveKeys(store, Duration.ofSeconds(seconds), clock);
    }

    @Override
    public String getMailetInfo() {
        return "DKIM signing with the per-domain keys of WebAdmin /dkim/keys";
    }

    @Override
    public void service(Mail mail) {
        try {
            sign(mail);
        } catch (Exception e) {
            LOGGER.warn("Mail {} goes out without DKIM signature: signing failed", mail.getName(), e);
        }
    }

    private void sign(Mail mail) throws Exception {
        MimeMessage message = mail.getMessage();
        // Settles the headers James would otherwise add or rewrite when writing the message out
        // (MIME-Version, Date, Message-ID): they must not change after they are signed.
        message.saveChanges();
        SignableMessage signable;
        try {
            signable = DkimSigner.read(message);
        } catch (DkimSigner.UnsignableMessageException e) {
            LOGGER.info("Mail {} goes out without DKIM signature: {}", mail.getName(), e.getMessage());
            return;
        }
        Optional<Domain> domain = signable.fromDomain();
        if (domain.isEmpty()) {
            LOGGER.info("Mail {} goes out without DKIM signature: it has no single From field with a domain", mail.getName());
            return;
        }
        List<SigningKey> keys = activeKeys.of(domain.get());
        if (keys.isEmpty()) {
            LOGGER.info("Mail {} goes out without DKIM signature: domain {} has no active DKIM key (WebAdmin POST /dkim/keys/{})",
                mail.getName(), domain.get().asString(), domain.get().asString());
            return;
        }
        Instant now = clock.instant();
        List<String> signatures = new ArrayList<>();
        for (SigningKey key : keys) {
            if (signable.isSignedWith(key.key())) {
                LOGGER.debug("Mail {} is already signed with {}", mail.getName(), key);
                continue;
            }
            signatures.add(DkimSigner.sign(signable, key, now));
        }
        if (!signatures.isEmpty()) {
            prepend(message, signatures);
            LOGGER.debug("Mail {} signed with {} DKIM signature(s) of {}", mail.getName(), signatures.size(), domain.get().asString());
        }
    }

    /**
     * Puts the signatures above every other field, where RFC 6376 recommends them. JavaMail can only add
     * at the end, so the other fields are taken out and put back after them, unchanged.
     */
    private static void prepend(MimeMessage message, List<String> signatures) throws MessagingException {
        List<String> lines = Collections.list(message.getAllHeaderLines());
        List<String> names = Collections.list(message.getAllHeaders()).stream().map(javax.mail.Header::getName).distinct().toList();
        for (String name : names) {
            message.removeHeader(name);
        }
        for (String signature : signatures) {
            message.addHeaderLine(signature);
        }
        for (String line : lines) {
            message.addHeaderLine(line);
        }
    }
}
