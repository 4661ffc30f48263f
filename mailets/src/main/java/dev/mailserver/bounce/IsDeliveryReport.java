package dev.mailserver.bounce;

import java.util.Collection;
import java.util.List;

import javax.mail.MessagingException;
import javax.mail.internet.ContentType;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;

/**
 * Matches delivery status notifications: a null return path and a
 * {@code multipart/report; report-type=delivery-status} body (RFC 3464). Reports this server generated itself
 * are not matched: their failures are recorded when they happen.
 */
public class IsDeliveryReport extends GenericMatcher {
    @Override
    public Collection<MailAddress> match(Mail mail) throws MessagingException {
        if (mail.hasSender() || mail.getAttribute(Mail.SENT_BY_MAILET_ATTRIBUTE.getName()).isPresent()) {
            return List.of();
        }
        String contentType = mail.getMessage().getContentType();
        if (contentType == null) {
            return List.of();
        }
        try {
            ContentType type = new ContentType(contentType);
            if (type.match("multipart/report") && "delivery-status".equalsIgnoreCase(type.getParameter("report-type"))) {
                return mail.getRecipients();
            }
        } catch (javax.mail.internet.ParseException e) {
            return List.of();
        }
        return List.of();
    }
}
