package dev.gatehouse.accounts;

import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.mail.MailMessage;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The account emails, in plain text and HTML, in one of the hosted pages' languages ({@code mail.*} keys of the
 * messages files). Links point at the hosted pages under the issuer.
 */
final class AccountMails {
    private final String issuer;

    AccountMails(String issuer) {
        this.issuer = issuer;
    }

    MailMessage verifyEmail(String to, String token, Locale language) {
        return message(to, Messages.of(language), "mail.verify", link("/verify-email", token, language), token);
    }

    MailMessage resetPassword(String to, String token, Locale language) {
        return message(to, Messages.of(language), "mail.reset", link("/reset-password", token, language), token);
    }

    MailMessage magicLink(String to, String token, Locale language) {
        return message(to, Messages.of(language), "mail.magic", link("/magic-link", token, language), token);
    }

    MailMessage alreadyRegistered(String to, Locale language) {
        return message(to, Messages.of(language), "mail.registered", issuer + "/forgot-password", "");
    }

    MailMessage passwordChanged(String to, Locale language) {
        return message(to, Messages.of(language), "mail.changed", issuer + "/forgot-password", "");
    }

    /** The hosted page of a mailed token; it opens in the mail's language. */
    private String link(String page, String token, Locale language) {
        return issuer + page + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)
                + (language.getLanguage().equals("en") ? "" : "&ui_locales=" + language.toLanguageTag());
    }

    /** The mail of {@code kind}: its subject, intro, the link, an extra line (with the token), and an outro. */
    private static MailMessage message(String to, Messages t, String kind, String link, String token) {
        String subject = t.get(kind + ".subject");
        String intro = t.get(kind + ".intro");
        String extra = t.get(kind + ".extra", token);
        String outro = t.has(kind + ".outro") ? t.get(kind + ".outro") : "";
        String signature = t.get("mail.signature");
        String text = intro + "\n\n" + link + "\n\n" + extra + "\n\n" + (outro.isEmpty() ? "" : outro + "\n\n") + "-- "
                + signature + "\n";
        String html = "<!doctype html><html lang=\"" + t.lang() + "\"><body style=\"font-family:sans-serif\"><p>"
                + esc(intro) + "</p><p><a href=\"" + esc(link) + "\">" + esc(link) + "</a></p><p>" + esc(extra)
                + "</p>" + (outro.isEmpty() ? "" : "<p>" + esc(outro) + "</p>") + "<p>&mdash; " + esc(signature)
                + "</p></body></html>";
        return new MailMessage(to, subject, text, html);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
