package dev.mailserver.bounce;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads bounces that come back to us and records each failed recipient as a hard (5.x.x) or soft (4.x.x)
 * bounce, which may suppress it (see {@link BounceRecorder}).
 *
 * <ul>
 *   <li>For mail to our VERP addresses (matched by {@link RecipientIsVerpAddress}), the recipient is the one
 *       the VERP address encodes, whatever the report says; the status comes from the report's
 *       {@code message/delivery-status} part. The bounce is consumed. A message that is not a standard DSN
 *       (text-only bounce, missing or invalid fields) cannot be classified: it goes to {@code unparsedProcessor}
 *       (default {@code unparsed-bounces}), whose mailets keep it in a repository for a human.</li>
 *   <li>With {@code consume=false}, for DSNs addressed to users (matched by {@link IsDeliveryReport}), the
 *       recipients are the report's Final-Recipients; the report continues to the user's mailbox either way.</li>
 * </ul>
 * Reports with {@code Action: delayed}, {@code delivered}, {@code relayed} or {@code expanded} are no bounces
 * and are not recorded.
 */
public class BounceProcessor extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(BounceProcessor.class);

    private final BounceRecorder bounces;
    private final BounceConfiguration configuration;
    private String unparsedProcessor;
    private boolean consume;

    @Inject
    public BounceProcessor(BounceRecorder bounces, BounceConfiguration configuration) {
        this.bounces = bounces;
        this.configuration = configuration;
    }

    @Override
    public void init() throws MessagingException {
        unparsedProcessor = getInitParameter("unparsedProcessor", "unparsed-bounces");
        consume = getInitParameter("consume", true);
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        List<MailAddress> verpTargets = configuration.verp()
            .map(verp -> mail.getRecipients().stream().flatMap(recipient -> verp.decode(recipient).stream()).toList())
            .orElse(List.of());
        Optional<DeliveryReport> report = DeliveryReport.parse(mail.getMessage());
        if (report.isEmpty()) {
            if (consume) {
                LOGGER.info("Bounce {} from {} for {} is not a standard delivery report; kept in {}", mail.getName(),
                    mail.getMaybeSender().asString(), verpTargets, unparsedProcessor);
                mail.setState(unparsedProcessor);
            }
            return;
        }
        Instant now = bounces.now();
        List<DeliveryReport.Recipient> failures = report.get().recipients().stream()
            .filter(DeliveryReport.Recipient::isFailure)
            .toList();
        if (!verpTargets.isEmpty()) {
            for (MailAddress target : verpTargets) {
                failures.stream()
                    .filter(failure -> failure.finalRecipient().map(target::equals).orElse(false)
                        || failure.originalRecipient().map(target::equals).orElse(false))
                    .findFirst()
                    .or(() -> failures.stream().findFirst())
                    .ifPresent(failure -> record(target, failure, report.get(), now, "verp"));
            }
        } else {
            failures.forEach(failure -> failure.finalRecipient()
                .ifPresent(recipient -> record(recipient, failure, report.get(), now, "dsn")));
        }
        if (consume) {
            mail.setState(Mail.GHOST);
        }
    }

    private void record(MailAddress recipient, DeliveryReport.Recipient failure, DeliveryReport report, Instant now,
                        String source) {
        LOGGER.info("Bounce ({}) of {}: {} {}", source, recipient, failure.status(), failure.diagnostic().orElse(""));
        bounces.record(new BounceEvent(recipient, now, BounceEvent.Kind.of(failure.status()), failure.status(),
            failure.diagnostic().map(diagnostic -> diagnostic.contains(";")
                ? diagnostic.substring(diagnostic.indexOf(';') + 1).strip() : diagnostic),
            failure.remoteMta().or(report::reportingMta), source));
    }

    @Override
    public String getMailetInfo() {
        return "Records bounces and suppresses addresses that bounce";
    }
}
