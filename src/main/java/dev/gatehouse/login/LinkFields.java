package dev.gatehouse.login;

import dev.gatehouse.accounts.PasswordPolicy;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.Validator;

/**
 * The fields and checks the hosted account-link pages ({@link AccountLinkRoutes}, {@link PasswordChangeRoutes}) share:
 * email and new-password fields, the way back to the sign-in, the message for a refused password, and what a
 * posted address, token or name may be.
 */
final class LinkFields {
    private LinkFields() {}

    /** A paragraph with a link to {@code href} reading the message {@code textKey}. */
    static String paragraphLink(Messages t, String href, String textKey) {
        return "<p><a href=\"" + Html.escape(href) + "\">" + t.html(textKey) + "</a></p>\n";
    }

    /** The way to the sign-in, going on to {@code returnTo} (or null) after it. */
    static String loginLink(Messages t, String returnTo) {
        return paragraphLink(t, LoginRoutes.withReturn("/login", returnTo), "links.to_login");
    }

    static String emailField(Messages t, String email, boolean invalid) {
        return """
                <label for="email">%s</label>
                <input id="email" name="email" type="email" autocomplete="email" required maxlength="320" value="%s"%s>
                """.formatted(t.html("login.email"), Html.escape(email), invalid ? " aria-invalid=\"true\"" : "");
    }

    static String passwordField(Messages t, String name, String labelKey, String errorKey) {
        boolean invalid =
                errorKey != null && (errorKey.startsWith("password.weak.") || errorKey.equals("links.reset.mismatch"));
        return """
                <label for="%s">%s</label>
                <input id="%s" name="%s" type="password" autocomplete="new-password" required minlength="%d" maxlength="%d"%s>
                """.formatted(
                        name,
                        t.html(labelKey),
                        name,
                        name,
                        PasswordPolicy.MIN_LENGTH,
                        PasswordPolicy.MAX_LENGTH,
                        invalid ? " aria-invalid=\"true\"" : "");
    }

    /** The page's message for a password the policy refused; a generic one for any other refusal. */
    static String weaknessKey(Problem p) {
        return p.errors().values().stream()
                .map(PasswordPolicy.Weakness::ofReason)
                .flatMap(java.util.Optional::stream)
                .findFirst()
                .map(PasswordPolicy.Weakness::key)
                .orElse("links.error.refused");
    }

    static boolean validEmail(String email) {
        try {
            new Validator().email("email", email).throwIfInvalid();
            return true;
        } catch (Problem p) {
            return false;
        }
    }

    static boolean wellFormed(String token) {
        return token != null && !token.isBlank() && token.length() <= 200;
    }

    /** A name the API's registration would refuse: over 100 characters, control characters, broken Unicode. */
    static boolean badName(String s) {
        return s != null && Validator.textProblem(s, 100).isPresent();
    }

    static String trimmed(String s) {
        return s == null ? "" : s.length() > 320 ? s.substring(0, 320) : s.trim();
    }
}
