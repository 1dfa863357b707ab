package dev.gatehouse.platform.mail;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Without SMTP settings, mail stays in the outbox table (listable by administrators) and is logged, so a developer can
 * follow links without a mail server.
 */
public final class DevOutboxTransport implements MailTransport {
    private static final Logger log = LoggerFactory.getLogger("gatehouse.mail.outbox");

    @Override
    public void send(MailMessage m) {
        log.info("Dev outbox: mail to {} \"{}\"\n{}", m.to(), m.subject(), m.text());
    }

    @Override
    public boolean keepsBodies() {
        return true;
    }

    @Override
    public String describe() {
        return "dev outbox (no GATEHOUSE_SMTP_HOST): mail is logged and listed at GET /v1/admin/mail/outbox";
    }
}
