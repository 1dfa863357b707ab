package dev.gatehouse.login;

import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * The WebAuthn parts of the hosted sign-in pages: the script ({@code assets/login-webauthn.js}, served from the class
 * path under a content-versioned URL with Subresource Integrity and run only by the page's CSP nonce) and the forms it
 * drives. Each form is a real form post to a page endpoint; the script only fetches its options and fills in the
 * {@code credential} field. The sections stay {@code hidden} until the script finds WebAuthn, so a page without
 * JavaScript shows only what works without it.
 */
final class WebAuthnMarkup {
    static final String SCRIPT_PATH = "/assets/login-webauthn.js";
    static final byte[] SCRIPT = load();
    static final String INTEGRITY = "sha256-" + Base64.getEncoder().encodeToString(Secrets.digest(SCRIPT));
    private static final String VERSION = Secrets.sha256(new String(SCRIPT, java.nio.charset.StandardCharsets.UTF_8))
            .substring(0, 12);

    private WebAuthnMarkup() {}

    private static byte[] load() {
        try (InputStream in = WebAuthnMarkup.class.getResourceAsStream(SCRIPT_PATH)) {
            if (in == null) throw new IllegalStateException(SCRIPT_PATH + " is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The script element, allowed by {@code nonce} in the page's CSP and pinned to the served file by its hash. */
    static String scriptTag(String nonce) {
        return "<script src=\"" + SCRIPT_PATH + "?v=" + VERSION + "\" integrity=\"" + INTEGRITY + "\" nonce=\""
                + Html.escape(nonce) + "\" defer></script>\n";
    }

    /** The "sign in with a passkey" part of {@code /login}: options and assertion both tied to this page's form. */
    static String passkeySection(Messages t, String csrf, String returnTo, String uiLocales) {
        return section(
                t,
                t.html("login.passkey.section"),
                "/login/passkey",
                "/login/passkey/options",
                t.html("login.passkey.or"),
                t.html("login.passkey.button"),
                Html.hidden("csrf", csrf) + Html.hidden("return_to", returnTo) + Html.hidden("ui_locales", uiLocales));
    }

    /** The security-key choice of the second step: options bound to the pending login ({@code mfa_token}). */
    static String securityKeySection(
            Messages t, String csrf, String returnTo, String mfaToken, String methods, String uiLocales, boolean only) {
        return section(
                        t,
                        t.html("login.mfa.webauthn.section"),
                        "/login/mfa/webauthn",
                        "/login/mfa/webauthn/options",
                        only ? t.html("login.mfa.webauthn.intro") : t.html("login.mfa.webauthn.or"),
                        t.html("login.mfa.webauthn.button"),
                        Html.hidden("csrf", csrf)
                                + Html.hidden("return_to", returnTo)
                                + Html.hidden("mfa_token", mfaToken)
                                + Html.hidden("methods", methods)
                                + Html.hidden("ui_locales", uiLocales))
                + (only ? "<noscript><p>" + t.html("login.mfa.webauthn.noscript") + "</p></noscript>\n" : "");
    }

    private static String section(
            Messages t, String label, String action, String options, String intro, String button, String fields) {
        return """
                <section data-webauthn-section hidden aria-label="%s">
                <p>%s</p>
                <form method="post" action="%s" data-webauthn-options="%s" data-msg-waiting="%s" data-msg-cancelled="%s" data-msg-failed="%s">
                %s<input type="hidden" name="credential" value="">
                <button type="button" data-webauthn-start>%s</button>
                <p role="status" aria-live="polite" data-webauthn-status></p>
                </form>
                </section>
                """.formatted(
                        label,
                        intro,
                        action,
                        options,
                        t.html("login.passkey.waiting"),
                        t.html("login.passkey.cancelled"),
                        t.html("login.passkey.failed"),
                        fields,
                        button);
    }
}
