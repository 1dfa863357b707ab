package dev.gatehouse.accounts;

import dev.gatehouse.platform.mail.MailMessage;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** The account emails, in plain text and HTML. Links point at the hosted pages under the issuer. */
final class AccountMails {
    private final String issuer;

    AccountMails(String issuer) {
        this.issuer = issuer;
    }

    MailMessage verifyEmail(String to, String token) {
        String link = link("/verify-email", token);
        return message(
                to,
                "Confirm your email address",
                "Confirm your email address by opening this link within 24 hours:",
                link,
                "Or send this code to the verify-email API: " + token,
                "If you did not create an account, ignore this message.");
    }

    MailMessage resetPassword(String to, String token) {
        String link = link("/reset-password", token);
        return message(
                to,
                "Reset your password",
                "Someone asked to reset the password of your account. Choose a new one within 30 minutes:",
                link,
                "Reset token: " + token,
                "If it was not you, ignore this message; your password stays as it is.");
    }

    MailMessage magicLink(String to, String token) {
        String link = link("/magic-link", token);
        return message(
                to,
                "Your sign-in link",
                "Open this link within 15 minutes to sign in. It works once.",
                link,
                "Sign-in token: " + token,
                "If you did not ask for it, ignore this message.");
    }

    MailMessage alreadyRegistered(String to) {
        return message(
                to,
                "Someone tried to register with your address",
                "Somebody tried to create an account with this email address, which already has one.",
                issuer + "/forgot-password",
                "If it was you and you forgot your password, reset it at the link above.",
                "If it was not you, no action is needed; nothing changed.");
    }

    MailMessage passwordChanged(String to) {
        return message(
                to,
                "Your password was changed",
                "The password of your account was just changed, and your other sessions were signed out.",
                issuer + "/forgot-password",
                "If you did not do this, reset your password now.",
                "");
    }

    private String link(String page, String token) {
        return issuer + page + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    private static MailMessage message(
            String to, String subject, String intro, String link, String extra, String outro) {
        String text = intro + "\n\n" + link + "\n\n" + extra + "\n\n" + outro + "\n\n-- Gatehouse\n";
        String html = "<!doctype html><html><body style=\"font-family:sans-serif\"><p>" + esc(intro)
                + "</p><p><a href=\"" + esc(link) + "\">" + esc(link) + "</a></p><p>" + esc(extra) + "</p><p>"
                + esc(outro) + "</p><p>&mdash; Gatehouse</p></body></html>";
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
