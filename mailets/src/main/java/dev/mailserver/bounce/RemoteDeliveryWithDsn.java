package dev.mailserver.bounce;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import javax.inject.Inject;
import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.server.core.MailImpl;
import org.apache.james.transport.mailets.remote.delivery.DnsHelper;
import org.apache.james.transport.mailets.remote.delivery.MailDelivrerToHost;
import org.apache.james.transport.mailets.remote.delivery.RemoteDeliveryConfiguration;
import org.apache.james.util.DurationParser;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeUtils;
import org.apache.mailet.AttributeValue;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetConfig;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableList;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Delivers mail to remote servers (MX lookup, or a smarthost) and tells the sender, in standard DSNs, what
 * could not be delivered. It replaces James's RemoteDelivery, from which it reuses the SMTP client and the
 * MX lookup, because that one cannot report per recipient nor warn of delays.
 *
 * <p>The mailet puts the mail in the durable {@code outgoingQueue}; delivery threads take it from there and
 * try every recipient. Then:
 * <ul>
 *   <li>recipients refused with 5xx get one DSN ({@code Action: failed}) listing them all, and a hard bounce
 *       each (see {@link BounceRecorder});</li>
 *   <li>recipients refused with 4xx, or whose servers do not answer, go back to the queue with the next delay
 *       of {@code delayTime}, which the queue honours; once {@code delayWarningTime} has passed since arrival
 *       the sender gets one {@code Action: delayed} warning; when the schedule runs out they get
 *       {@code Action: failed} with status 4.4.7 and count as one soft bounce;</li>
 *   <li>no DSN ever goes to a null return path nor about a report (see {@link DsnPolicy}); NOTIFY, RET, ENVID
 *       and ORCPT given at submission are honoured and passed on to the next server.</li>
 * </ul>
 * With VERP on ({@code bounces.properties}), each recipient gets its own SMTP transaction, with the envelope
 * sender {@code bounces+local=domain@<verp.domain>}, so that later bounces name their recipient.
 *
 * <p>Parameters: {@code outgoingQueue} (outgoing), {@code delayTime} ({@link RetrySchedule#DEFAULT}),
 * {@code delayWarningTime} (4 hours; {@code never} to send no warning), {@code deliveryThreads} (10), and
 * James's RemoteDelivery parameters for the SMTP connection: {@code gateway}, {@code gatewayPort},
 * {@code gatewayUsername}, {@code gatewayPassword}, {@code heloName}, {@code startTLS}, {@code sslEnable},
 * {@code timeout}, {@code connectiontimeout}, {@code bind}, {@code mail.*}.
 */
public class RemoteDeliveryWithDsn extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(RemoteDeliveryWithDsn.class);

    static final AttributeName ARRIVAL = AttributeName.of("dev.mailserver.bounce.arrival");
    static final AttributeName ATTEMPTS = AttributeName.of("dev.mailserver.bounce.attempts");
    static final AttributeName DELAY_WARNED = AttributeName.of("dev.mailserver.bounce.delay-warned");
    static final String DEFAULT_WARNING = "4 hours";

    private final DNSService dns;
    private final DomainList domainList;
    private final MailQueueFactory<?> queueFactory;
    private final BounceRecorder bounces;
    private final BounceConfiguration bounceConfiguration;

    private RetrySchedule schedule;
    private Optional<Duration> delayWarning;
    private boolean perDomainOnly;
    private DeliveryAttempt attempt;
    private String reportingMta;
    private MailQueue queue;
    private Scheduler deliveryThreads;
    private Disposable dequeuing;

    @Inject
    public RemoteDeliveryWithDsn(DNSService dns, DomainList domainList, MailQueueFactory<?> queueFactory,
                                 BounceRecorder bounces, BounceConfiguration bounceConfiguration) {
        this.dns = dns;
        this.domainList = domainList;
        this.queueFactory = queueFactory;
        this.bounces = bounces;
        this.bounceConfiguration = bounceConfiguration;
    }

    @Override
    public void init() throws MessagingException {
        schedule = parse("delayTime", getInitParameter("delayTime", RetrySchedule.DEFAULT), RetrySchedule::parse);
        String warning = getInitParameter("delayWarningTime", DEFAULT_WARNING).trim();
        delayWarning = warning.equalsIgnoreCase("never") ? Optional.empty()
            : Optional.of(parse("delayWarningTime", warning, DurationParser::parse));
        int threads = parse("deliveryThreads", getInitParameter("deliveryThreads", "10"), Integer::parseInt);
        if (threads < 1) {
            throw new MessagingException("deliveryThreads must be at least 1, not " + threads);
        }

        RemoteDeliveryConfiguration smtpConfiguration = new RemoteDeliveryConfiguration(withPartialSending(getMailetConfig()), domainList);
        perDomainOnly = smtpConfiguration.getGatewayServer().isEmpty();
        attempt = new DeliveryAttempt(new MailDelivrerToHost(smtpConfiguration, getMailetContext()),
            new DnsHelper(dns, smtpConfiguration));
        reportingMta = smtpConfiguration.getHeloNameProvider().getHeloName();

        queue = queueFactory.createQueue(MailQueueName.of(getInitParameter("outgoingQueue", "outgoing")));
        deliveryThreads = Schedulers.newBoundedElastic(threads, Integer.MAX_VALUE, "remote-delivery");
        dequeuing = Flux.from(queue.deQueue())
            .flatMap(item -> Mono.fromRunnable(() -> process(item)).subscribeOn(deliveryThreads), threads)
            .onErrorContinue((error, item) -> LOGGER.error("Remote delivery failed unexpectedly", error))
            .subscribeOn(Schedulers.newSingle("remote-delivery-dequeue"))
            .subscribe();
    }

    private interface Parser<T> {
        T parse(String value);
    }

    private static <T> T parse(String parameter, String value, Parser<T> parser) throws MessagingException {
        try {
            return parser.parse(value);
        } catch (RuntimeException e) {
            throw new MessagingException("Invalid " + parameter + " '" + value + "': " + e.getMessage(), e);
        }
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        if (mail.getRecipients().isEmpty()) {
            mail.setState(Mail.GHOST);
            return;
        }
        if (mail.getAttribute(ARRIVAL).isEmpty()) {
            mail.setAttribute(new Attribute(ARRIVAL, AttributeValue.of(Instant.now().toString())));
        }
        queue.enQueue(mail);
        mail.setState(Mail.GHOST);
    }

    private void process(MailQueue.MailQueueItem item) {
        Mail mail = item.getMail();
        try {
            deliver(mail);
            item.done(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);
        } catch (Exception e) {
            LOGGER.error("Delivery of {} failed unexpectedly; it will be tried again", mail.getName(), e);
            try {
                item.done(MailQueue.MailQueueItem.CompletionStatus.RETRY);
            } catch (Exception ignored) {
                LOGGER.error("Cannot put {} back in the queue", mail.getName(), ignored);
            }
        } finally {
            LifecycleUtil.dispose(mail);
        }
    }

    void deliver(Mail mail) throws MessagingException {
        int attemptNumber = AttributeUtils.getValueAndCastFromMail(mail, ATTEMPTS, Integer.class).orElse(0) + 1;
        Instant arrival = AttributeUtils.getValueAndCastFromMail(mail, ARRIVAL, String.class)
            .map(Instant::parse).orElseGet(Instant::now);

        List<RecipientStatus> failed = new ArrayList<>();
        List<RecipientStatus> delayed = new ArrayList<>();
        for (Map.Entry<String, List<MailAddress>> destination : destinations(mail).entrySet()) {
            for (List<MailAddress> transaction : transactions(destination.getValue())) {
                DeliveryAttempt.Result result = attempt.deliver(mail, destination.getKey(), transaction,
                    envelopeSender(mail, transaction));
                for (RecipientStatus status : result.failures()) {
                    (status.action() == RecipientStatus.Action.FAILED ? failed : delayed).add(status);
                }
            }
        }
        Instant now = bounces.now();
        failed.forEach(status -> recordBounce(status, now));

        boolean givingUp = attemptNumber >= schedule.attempts();
        if (givingUp && !delayed.isEmpty()) {
            // RFC 3463 4.4.7: delivery time expired; the diagnostic keeps the last reply.
            delayed.forEach(status -> {
                RecipientStatus expired = status.asAction(RecipientStatus.Action.FAILED, "4.4.7");
                failed.add(expired);
                recordBounce(expired, now);
            });
            delayed.clear();
        }
        notify(mail, arrival, now, failed, Optional.empty());

        if (delayed.isEmpty()) {
            return;
        }
        boolean warned = AttributeUtils.getValueAndCastFromMail(mail, DELAY_WARNED, Boolean.class).orElse(false);
        if (!warned && delayWarning.isPresent() && !now.isBefore(arrival.plus(delayWarning.get()))) {
            notify(mail, arrival, now, delayed, Optional.of(arrival.plus(schedule.total())));
            mail.setAttribute(new Attribute(DELAY_WARNED, AttributeValue.of(true)));
        }
        Duration wait = schedule.delayAfter(attemptNumber);
        mail.setRecipients(delayed.stream().map(RecipientStatus::recipient).collect(ImmutableList.toImmutableList()));
        mail.setAttribute(new Attribute(ATTEMPTS, AttributeValue.of(attemptNumber)));
        LOGGER.info("Mail {} not delivered yet to {} (attempt {} of {}); next attempt in {}", mail.getName(),
            mail.getRecipients(), attemptNumber, schedule.attempts(), wait);
        queue.enQueue(mail, wait);
    }

    /** Recipients by domain: one MX lookup each. Through a smarthost everything goes the same way. */
    private Map<String, List<MailAddress>> destinations(Mail mail) {
        Map<String, List<MailAddress>> byDomain = new LinkedHashMap<>();
        for (MailAddress recipient : mail.getRecipients()) {
            String destination = perDomainOnly ? recipient.getDomain().asString()
                : mail.getRecipients().iterator().next().getDomain().asString();
            byDomain.computeIfAbsent(destination, any -> new ArrayList<>()).add(recipient);
        }
        return byDomain;
    }

    /** With VERP every recipient needs its own envelope sender, hence its own transaction. */
    private List<List<MailAddress>> transactions(List<MailAddress> recipients) {
        if (bounceConfiguration.verp().isEmpty()) {
            return List.of(recipients);
        }
        return recipients.stream().map(List::of).toList();
    }

    private MaybeSender envelopeSender(Mail mail, List<MailAddress> transaction) {
        if (!mail.hasSender() || transaction.size() != 1 || bounceConfiguration.verp().isEmpty()) {
            return mail.getMaybeSender();
        }
        return bounceConfiguration.verp().get().encode(transaction.get(0))
            .map(MaybeSender::of)
            .orElse(mail.getMaybeSender());
    }

    private void recordBounce(RecipientStatus status, Instant now) {
        try {
            bounces.record(new BounceEvent(status.recipient(), now, BounceEvent.Kind.of(status.status()), status.status(),
                status.diagnosticText(), status.remoteMta(), "delivery"));
        } catch (RuntimeException e) {
            LOGGER.warn("Cannot record the bounce of {}", status.recipient(), e);
        }
    }

    private void notify(Mail mail, Instant arrival, Instant now, List<RecipientStatus> statuses,
                        Optional<Instant> willRetryUntil) throws MessagingException {
        List<RecipientStatus> wanted = DsnPolicy.toNotify(mail, statuses);
        if (wanted.isEmpty()) {
            if (!statuses.isEmpty()) {
                LOGGER.info("No DSN for {} ({} recipients): null return path, a report, or NOTIFY", mail.getName(), statuses.size());
            }
            return;
        }
        // The postmaster is known only once the mailet container is up, after init().
        MimeMessage report = new DeliveryStatusNotification(reportingMta, getMailetContext().getPostmaster())
            .build(mail, arrival, now, wanted, willRetryUntil);
        Mail dsn = MailImpl.builder()
            .name("dsn-" + UUID.randomUUID())
            .sender(MaybeSender.nullSender())
            .addRecipient(mail.getMaybeSender().get())
            .mimeMessage(report)
            .build();
        try {
            getMailetContext().sendMail(dsn);
            LOGGER.info("DSN ({}) sent to {} about {} for {}", wanted.get(0).action().asString(),
                mail.getMaybeSender().asString(), mail.getName(), wanted.stream().map(RecipientStatus::recipient).toList());
        } finally {
            LifecycleUtil.dispose(dsn);
        }
    }

    @Override
    public void destroy() {
        if (dequeuing != null) {
            dequeuing.dispose();
        }
        if (deliveryThreads != null) {
            deliveryThreads.dispose();
        }
    }

    @Override
    public String getMailetInfo() {
        return "Remote delivery with per-recipient DSNs, delay warnings and VERP";
    }

    /**
     * James's SMTP client aborts the whole transaction when one RCPT is refused unless partial sending is on;
     * we always want the others delivered and each refusal reported.
     */
    private static MailetConfig withPartialSending(MailetConfig config) {
        return new MailetConfig() {
            @Override
            public String getInitParameter(String name) {
                return RemoteDeliveryConfiguration.SENDPARTIAL.equals(name) ? "true" : config.getInitParameter(name);
            }

            @Override
            public Iterator<String> getInitParameterNames() {
                return config.getInitParameterNames();
            }

            @Override
            public org.apache.mailet.MailetContext getMailetContext() {
                return config.getMailetContext();
            }

            @Override
            public String getMailetName() {
                return config.getMailetName();
            }
        };
    }
}
