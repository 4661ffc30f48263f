package dev.mailserver.bounce;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.mail.Address;
import javax.mail.MessagingException;
import javax.mail.SendFailedException;
import javax.mail.internet.AddressException;
import javax.mail.internet.InternetAddress;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.dnsservice.api.TemporaryResolutionException;
import org.apache.james.server.core.MailImpl;
import org.apache.james.transport.mailets.remote.delivery.DnsHelper;
import org.apache.james.transport.mailets.remote.delivery.MailDelivrerToHost;
import org.apache.mailet.HostAddress;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.mailet.Mail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.mail.smtp.SMTPAddressFailedException;
import com.sun.mail.smtp.SMTPSendFailedException;

/**
 * One SMTP delivery attempt of a message to some recipients of one destination, with James's SMTP client
 * ({@link MailDelivrerToHost}: STARTTLS, 8BITMIME, DSN parameters passed on) and MX lookup or smarthost
 * ({@link DnsHelper}). Unlike James's RemoteDelivery, which keeps one error for the whole message, it reports
 * what happened to each recipient: delivered, failed (5xx) or delayed (4xx, connection trouble), with the
 * remote host and its exact reply, which is what a DSN needs.
 */
class DeliveryAttempt {
    private static final Logger LOGGER = LoggerFactory.getLogger(DeliveryAttempt.class);

    /** What one attempt did to each recipient; {@code failures} holds both failed and delayed ones. */
    record Result(Set<MailAddress> delivered, List<RecipientStatus> failures) {
    }

    private final MailDelivrerToHost smtp;
    private final DnsHelper hosts;

    DeliveryAttempt(MailDelivrerToHost smtp, DnsHelper hosts) {
        this.smtp = smtp;
        this.hosts = hosts;
    }

    /** Sends {@code mail} to {@code recipients}, all in {@code domain}, with the given envelope sender. */
    Result deliver(Mail mail, String domain, Collection<MailAddress> recipients, MaybeSender envelopeSender) {
        Set<MailAddress> pending = new LinkedHashSet<>(recipients);
        Set<MailAddress> delivered = new LinkedHashSet<>();
        List<RecipientStatus> failures = new ArrayList<>();
        Iterator<HostAddress> servers;
        try {
            servers = hosts.retrieveHostAddressIterator(domain, false);
        } catch (TemporaryResolutionException e) {
            pending.forEach(recipient -> failures.add(delayed(recipient, "4.4.3", Optional.empty(),
                Optional.empty())));
            return new Result(delivered, failures);
        }
        if (!servers.hasNext()) {
            pending.forEach(recipient -> failures.add(new RecipientStatus(recipient, Optional.empty(),
                RecipientStatus.Action.FAILED, "5.1.2", Optional.empty(), Optional.empty())));
            return new Result(delivered, failures);
        }
        MailImpl copy = null;
        String lastProblem = "no mail server answered";
        Optional<String> lastHost = Optional.empty();
        try {
            copy = MailImpl.duplicate(mail);
            copy.setSender(envelopeSender.asOptional().orElse(null));
            while (servers.hasNext() && !pending.isEmpty()) {
                HostAddress server = servers.next();
                String host = server.getHostName();
                copy.setRecipients(List.copyOf(pending));
                try {
                    smtp.tryDeliveryToHost(copy, List.of(toInternetAddresses(pending)), server);
                    delivered.addAll(pending);
                    pending.clear();
                } catch (SendFailedException e) {
                    sortOut(e, host, pending, delivered, failures);
                    pending.clear();
                } catch (MessagingException e) {
                    if (isConnectionProblem(e)) {
                        // Another MX of the domain may answer.
                        lastProblem = e.getMessage();
                        lastHost = Optional.of(host);
                        LOGGER.info("Cannot deliver {} through {}: {}", mail.getName(), host, e.getMessage());
                        continue;
                    }
                    int code = replyCode(e).orElse(0);
                    String status = code >= 500 ? EnhancedStatus.fromReply(code, e.getMessage())
                        : code >= 400 ? EnhancedStatus.fromReply(code, e.getMessage()) : "4.4.2";
                    for (MailAddress recipient : pending) {
                        failures.add(status(recipient, status, host, e.getMessage()));
                    }
                    pending.clear();
                }
            }
        } catch (MessagingException e) {
            lastProblem = e.getMessage();
        } finally {
            LifecycleUtil.dispose(copy);
        }
        for (MailAddress recipient : pending) {
            // RFC 3463 4.4.1: no answer from host; the diagnostic says why.
            failures.add(delayed(recipient, "4.4.1", lastHost, Optional.ofNullable(lastProblem)));
        }
        return new Result(delivered, failures);
    }

    /** Splits the recipients of a transaction that failed for some of them by what the server said for each. */
    private static void sortOut(SendFailedException e, String host, Set<MailAddress> pending, Set<MailAddress> delivered,
                                List<RecipientStatus> failures) {
        Map<String, SMTPAddressFailedException> perAddress = new HashMap<>();
        Exception next = e;
        while (next instanceof MessagingException messaging) {
            if (messaging instanceof SMTPAddressFailedException failed) {
                perAddress.put(failed.getAddress().getAddress().toLowerCase(java.util.Locale.ROOT), failed);
            }
            next = messaging.getNextException();
        }
        Set<String> sent = new java.util.HashSet<>();
        for (Address address : Optional.ofNullable(e.getValidSentAddresses()).orElse(new Address[0])) {
            sent.add(((InternetAddress) address).getAddress().toLowerCase(java.util.Locale.ROOT));
        }
        // A failure of the whole transaction (MAIL FROM or DATA refused) applies to every recipient without its own reply.
        Optional<SMTPSendFailedException> transaction = Optional.of(e)
            .filter(SMTPSendFailedException.class::isInstance)
            .map(SMTPSendFailedException.class::cast)
            .filter(failed -> failed.getReturnCode() >= 400);
        for (MailAddress recipient : pending) {
            String key = recipient.asString().toLowerCase(java.util.Locale.ROOT);
            SMTPAddressFailedException own = perAddress.get(key);
            if (own != null) {
                failures.add(status(recipient, EnhancedStatus.fromReply(own.getReturnCode(), own.getMessage()), host,
                    own.getMessage()));
            } else if (sent.contains(key) && transaction.isEmpty()) {
                delivered.add(recipient);
            } else if (transaction.isPresent()) {
                SMTPSendFailedException failed = transaction.get();
                failures.add(status(recipient, EnhancedStatus.fromReply(failed.getReturnCode(), failed.getMessage()), host,
                    failed.getMessage()));
            } else {
                failures.add(delayed(recipient, "4.0.0", Optional.of(host), Optional.ofNullable(e.getMessage())));
            }
        }
    }

    private static RecipientStatus status(MailAddress recipient, String status, String host, String reply) {
        RecipientStatus.Action action = status.startsWith("5") ? RecipientStatus.Action.FAILED : RecipientStatus.Action.DELAYED;
        return new RecipientStatus(recipient, Optional.empty(), action, status, Optional.of(host),
            Optional.ofNullable(reply).map(RecipientStatus::smtpDiagnostic));
    }

    private static RecipientStatus delayed(MailAddress recipient, String status, Optional<String> host,
                                           Optional<String> problem) {
        return new RecipientStatus(recipient, Optional.empty(), RecipientStatus.Action.DELAYED, status, host,
            problem.map(RecipientStatus::localDiagnostic));
    }

    private static boolean isConnectionProblem(MessagingException e) {
        Exception cause = e.getNextException();
        return cause instanceof IOException || e.getCause() instanceof IOException;
    }

    private static Optional<Integer> replyCode(MessagingException e) {
        if (e instanceof SMTPSendFailedException failed) {
            return Optional.of(failed.getReturnCode());
        }
        if (e instanceof SMTPAddressFailedException failed) {
            return Optional.of(failed.getReturnCode());
        }
        return Optional.empty();
    }

    private static InternetAddress[] toInternetAddresses(Collection<MailAddress> recipients) throws AddressException {
        List<InternetAddress> addresses = new ArrayList<>();
        for (MailAddress recipient : recipients) {
            addresses.add(new InternetAddress(recipient.asString()));
        }
        return addresses.toArray(InternetAddress[]::new);
    }
}
