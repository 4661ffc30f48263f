package dev.mailserver.bounce;

import javax.inject.Inject;

import org.apache.james.core.MailAddress;
import org.apache.mailet.base.GenericRecipientMatcher;

/** Matches recipients that are our VERP return paths ({@code bounces+...@<verp.domain>}); none when VERP is off. */
public class RecipientIsVerpAddress extends GenericRecipientMatcher {
    private final BounceConfiguration configuration;

    @Inject
    public RecipientIsVerpAddress(BounceConfiguration configuration) {
        this.configuration = configuration;
    }

    @Override
    public boolean matchRecipient(MailAddress recipient) {
        return configuration.verp().map(verp -> verp.isVerpAddress(recipient)).orElse(false);
    }
}
