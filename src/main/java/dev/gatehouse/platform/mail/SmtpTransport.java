package dev.gatehouse.platform.mail;

import dev.gatehouse.platform.config.Config;
import jakarta.mail.Authenticator;
import jakarta.mail.Message;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/** Sends through the configured SMTP server (Jakarta Mail / Angus), multipart text + HTML. */
public final class SmtpTransport implements MailTransport {
    private final Session session;
    private final InternetAddress from;
    private final String description;

    public SmtpTransport(Config.Smtp smtp) {
        var props = new Properties();
        String host = smtp.host().orElseThrow();
        String proto = smtp.tls() == Config.SmtpTls.TLS ? "smtps" : "smtp";
        props.put("mail.transport.protocol", proto);
        props.put("mail." + proto + ".host", host);
        props.put("mail." + proto + ".port", Integer.toString(smtp.port()));
        props.put("mail." + proto + ".connectiontimeout", "5000");
        props.put("mail." + proto + ".timeout", "10000");
        props.put("mail." + proto + ".writetimeout", "10000");
        if (smtp.tls() == Config.SmtpTls.STARTTLS) {
            props.put("mail.smtp.starttls.enable", "true");
            props.put("mail.smtp.starttls.required", "true");
        }
        if (smtp.tls() != Config.SmtpTls.NONE) props.put("mail." + proto + ".ssl.checkserveridentity", "true");
        Authenticator auth = null;
        if (smtp.username().isPresent()) {
            props.put("mail." + proto + ".auth", "true");
            String user = smtp.username().get();
            String password = smtp.password().orElse("");
            auth = new Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    return new PasswordAuthentication(user, password);
                }
            };
        }
        this.session = Session.getInstance(props, auth);
        try {
            this.from = new InternetAddress(smtp.from());
        } catch (jakarta.mail.internet.AddressException e) {
            throw new dev.gatehouse.platform.config.ConfigException("GATEHOUSE_SMTP_FROM", "is not a valid address");
        }
        this.description =
                "SMTP " + host + ":" + smtp.port() + " (" + smtp.tls().name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    @Override
    public void send(MailMessage m) throws Exception {
        var msg = new MimeMessage(session);
        msg.setFrom(from);
        msg.setRecipient(Message.RecipientType.TO, new InternetAddress(m.to()));
        msg.setSubject(m.subject(), StandardCharsets.UTF_8.name());
        var text = new MimeBodyPart();
        text.setText(m.text(), StandardCharsets.UTF_8.name());
        var html = new MimeBodyPart();
        html.setContent(m.html(), "text/html; charset=UTF-8");
        var body = new MimeMultipart("alternative", text, html);
        msg.setContent(body);
        Transport.send(msg);
    }

    @Override
    public String describe() {
        return description;
    }
}
