package dev.gatehouse.login;

import dev.gatehouse.mfa.MfaFactors;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import java.util.List;

/**
 * The markup of the hosted sign-in's second step ({@link LoginMfaRoutes} sends it): the code form with its method
 * choice and, for a security key, the script's section; or, for an account that policy holds back until it has a
 * factor, the TOTP set-up.
 */
final class LoginMfaPage {
    private LoginMfaPage() {}

    /** The methods the code form completes; {@code webauthn} has its own form ({@link LoginWebAuthnRoutes}). */
    static final List<String> CODE_METHODS = List.of("totp", "email", "backup_code");

    /** What every form of the second step carries: its CSRF token, where it returns, the pending login, the language. */
    record Pending(String csrf, String returnTo, String mfaToken, List<String> methods, String uiLocales) {}

    /**
     * The code form ({@code selected} the method chosen, or null: the first) and the security key's section when the
     * account has one, the preferred one first; {@code errorKey} and {@code noticeKey} message keys or null;
     * {@code nonce} the script's, present exactly when a security key is among the methods.
     */
    static String codeStep(Messages t, Pending p, String errorKey, String selected, String noticeKey, String nonce) {
        List<String> methods = p.methods();
        String chosen = selected != null && methods.contains(selected)
                ? selected
                : methods.stream().filter(CODE_METHODS::contains).findFirst().orElse(null);
        var choices = new StringBuilder();
        for (String m : methods) {
            String label = switch (m) {
                case "totp" -> t.get("login.mfa.method.totp");
                case "email" -> t.get("login.mfa.method.email");
                case "backup_code" -> t.get("login.mfa.method.backup_code");
                default -> null;
            };
            if (label == null) continue;
            choices.append("<label><input type=\"radio\" name=\"method\" value=\"")
                    .append(Html.escape(m))
                    .append('"')
                    .append(m.equals(chosen) ? " checked" : "")
                    .append("> ")
                    .append(Html.escape(label))
                    .append("</label>\n");
        }
        // The email code is mailed on demand: a second button, which needs no code (formnovalidate).
        String send = methods.contains("email")
                ? "<button type=\"submit\" name=\"send_email\" value=\"1\" formnovalidate>"
                        + t.html("login.mfa.email.send") + "</button>\n"
                : "";
        String radios = choices.isEmpty()
                ? ""
                : "<fieldset>\n<legend>" + t.html("login.mfa.method") + "</legend>\n" + choices + "</fieldset>\n";
        boolean key = methods.contains("webauthn");
        boolean codes = methods.stream().anyMatch(CODE_METHODS::contains) || !key;
        // A security key is asked for by the script (hidden without WebAuthn); codes by the plain form below.
        String keySection = key
                ? WebAuthnMarkup.securityKeySection(
                                t,
                                p.csrf(),
                                p.returnTo(),
                                p.mfaToken(),
                                String.join(",", methods),
                                p.uiLocales(),
                                !codes)
                        + WebAuthnMarkup.scriptTag(nonce)
                : "";
        String codeForm = !codes
                ? ""
                : """
                <form method="post" action="/login/mfa">
                %s%s<label for="code">%s</label>
                <input id="code" name="code" autocomplete="one-time-code" inputmode="text" required autofocus%s>
                <button type="submit">%s</button>
                %s</form>
                """.formatted(
                        pendingFields(p),
                        radios,
                        t.html("login.mfa.code"),
                        errorKey == null || errorKey.startsWith("login.mfa.webauthn.") ? "" : " aria-invalid=\"true\"",
                        t.html("login.mfa.submit"),
                        send);
        return (errorKey == null ? "" : Html.alert(t.get(errorKey)))
                + (noticeKey == null ? "" : "<p role=\"status\">" + t.html(noticeKey) + "</p>\n")
                + "<p>" + t.html("login.mfa.intro") + "</p>\n"
                // The preferred method (listed first) comes first.
                + (!methods.isEmpty() && "webauthn".equals(methods.getFirst())
                        ? keySection + codeForm
                        : codeForm + keySection);
    }

    /**
     * The set-up of a first factor: a button that starts it ({@code setup} null), then the new secret's QR code and key
     * with the form for its first code, which turns TOTP on and completes the sign-in.
     */
    static String enrolment(Messages t, Pending p, MfaFactors.Setup setup, String errorKey) {
        String hidden = pendingFields(p);
        String form = setup == null
                ? "<form method=\"post\" action=\"/login/mfa/setup\">\n" + hidden + "<button type=\"submit\">"
                        + t.html("login.mfa.setup.start") + "</button>\n</form>\n"
                : "<p>" + t.html("login.mfa.setup.scan") + "</p>\n"
                        + "<p><img src=\"" + Html.escape(setup.qrCode()) + "\" alt=\""
                        + t.html("login.mfa.setup.qr_alt") + "\" width=\"220\" height=\"220\"></p>\n"
                        + "<p>" + t.html("login.mfa.setup.key") + " <code>" + Html.escape(spaced(setup.secret()))
                        + "</code></p>\n"
                        + "<form method=\"post\" action=\"/login/mfa\">\n" + hidden
                        + Html.hidden("method", "totp")
                        + "<label for=\"code\">" + t.html("login.mfa.setup.code") + "</label>\n"
                        + "<input id=\"code\" name=\"code\" autocomplete=\"one-time-code\" inputmode=\"numeric\""
                        + " required autofocus" + (errorKey == null ? "" : " aria-invalid=\"true\"") + ">\n"
                        + "<button type=\"submit\">" + t.html("login.mfa.submit") + "</button>\n</form>\n";
        return (errorKey == null ? "" : Html.alert(t.get(errorKey))) + "<p>" + t.html("login.mfa.setup.intro")
                + "</p>\n" + form;
    }

    /** The hidden fields every form of the second step carries. */
    private static String pendingFields(Pending p) {
        return Html.hidden("csrf", p.csrf())
                + Html.hidden("return_to", p.returnTo())
                + Html.hidden("mfa_token", p.mfaToken())
                + Html.hidden("methods", String.join(",", p.methods()))
                + Html.hidden("ui_locales", p.uiLocales());
    }

    /** A base32 key in groups of four, easier to type. */
    private static String spaced(String key) {
        return key.replaceAll("(.{4})(?!$)", "$1 ");
    }
}
