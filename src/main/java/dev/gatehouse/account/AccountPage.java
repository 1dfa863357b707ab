package dev.gatehouse.account;

import dev.gatehouse.login.SsoService;
import dev.gatehouse.mfa.DeviceService;
import dev.gatehouse.mfa.MfaFactors;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.webauthn.WebAuthnService;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * The HTML of {@code /account/security} and its one-time pages (TOTP set-up, new backup codes). Every form posts the
 * CSRF token and the visitor's {@code ui_locales}; text goes through {@link Messages} and is escaped here.
 */
final class AccountPage {
    static final String PATH = "/account/security";
    private static final DateTimeFormatter WHEN =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    /** The claims the profile form shows and changes, with their {@code autocomplete} tokens. */
    static final List<String> PROFILE_CLAIMS = List.of("given_name", "family_name", "nickname", "phone_number");

    private static final Map<String, String> AUTOCOMPLETE = Map.of(
            "given_name", "given-name", "family_name", "family-name", "nickname", "nickname", "phone_number", "tel");

    /**
     * What the overview shows; {@code profile} holds the {@link #PROFILE_CLAIMS} the account has, or as the visitor
     * typed them when the profile form was refused, and {@code invalidClaim} the one it was refused for (or null).
     */
    record Overview(
            String email,
            Map<String, Object> profile,
            String invalidClaim,
            MfaFactors.Status mfa,
            boolean totpPending,
            List<WebAuthnService.CredentialView> passkeys,
            List<SsoService.Browser> browsers,
            List<DeviceService.Device> devices,
            List<App> apps) {}

    /** A client the user consented to, with what it may do in plain words ({@code ScopeService.describe}). */
    record App(String clientId, String name, Instant grantedAt, Map<String, String> scope) {}

    /** The visitor's form context: CSRF token, {@code ui_locales} to carry, and the message to show (keys or null). */
    record Form(String csrf, String uiLocales, String noticeKey, String errorKey) {}

    private AccountPage() {}

    static String overview(Messages t, Form f, Overview o) {
        var b = new StringBuilder(banner(t, f));
        b.append("<p>")
                .append(t.html("account.signed_in_as", o.email()))
                .append(" <a href=\"/logout\">")
                .append(t.html("account.sign_out"))
                .append("</a></p>\n");
        profile(b, t, f, o);
        totp(b, t, f, o);
        backupCodes(b, t, f, o);
        email(b, t, f, o);
        passkeys(b, t, f, o);
        AccountAccessSections.browsers(b, t, f, o);
        AccountAccessSections.devices(b, t, f, o);
        AccountAccessSections.apps(b, t, f, o);
        return Html.page(t, t.get("account.title"), b.toString());
    }

    private static void profile(StringBuilder b, Messages t, Form f, Overview o) {
        b.append("<section aria-labelledby=\"profile-h\">\n<h2 id=\"profile-h\">")
                .append(t.html("account.profile.heading"))
                .append("</h2>\n<p>")
                .append(t.html("account.profile.intro"))
                .append("</p>\n")
                .append(form(f, "/profile"));
        for (String claim : PROFILE_CLAIMS) {
            String id = "profile-" + claim.replace('_', '-');
            boolean phone = claim.equals("phone_number");
            b.append("<label for=\"")
                    .append(id)
                    .append("\">")
                    .append(t.html("account.profile." + claim))
                    .append("</label>\n<input id=\"")
                    .append(id)
                    .append("\" name=\"")
                    .append(claim)
                    .append("\" autocomplete=\"")
                    .append(AUTOCOMPLETE.get(claim))
                    .append(
                            phone
                                    ? "\" type=\"tel\" maxlength=\"16\" aria-describedby=\"profile-phone-hint\""
                                    : "\" maxlength=\"100\"")
                    .append(claim.equals(o.invalidClaim()) ? " aria-invalid=\"true\"" : "")
                    .append(" value=\"")
                    .append(Html.escape(String.valueOf(o.profile().getOrDefault(claim, ""))))
                    .append("\">\n");
            if (phone)
                b.append("<p id=\"profile-phone-hint\">")
                        .append(t.html("account.profile.phone_number.hint"))
                        .append("</p>\n");
        }
        b.append(button(t, "account.profile.save")).append("</form>\n</section>\n");
    }

    private static void totp(StringBuilder b, Messages t, Form f, Overview o) {
        b.append("<section aria-labelledby=\"totp-h\">\n<h2 id=\"totp-h\">")
                .append(t.html("account.totp.heading"))
                .append("</h2>\n");
        if (o.mfa().totpEnabled()) {
            b.append("<p>").append(t.html("account.totp.on")).append("</p>\n");
            b.append(form(f, "/totp/disable"))
                    .append("<label for=\"totp-off-code\">")
                    .append(t.html("account.totp.disable.code"))
                    .append("</label>\n<input id=\"totp-off-code\" name=\"code\" autocomplete=\"one-time-code\"")
                    .append(" required maxlength=\"40\">\n<button type=\"submit\">")
                    .append(t.html("account.totp.disable"))
                    .append("</button>\n</form>\n");
        } else {
            b.append("<p>").append(t.html("account.totp.off")).append("</p>\n");
            if (o.totpPending())
                b.append("<p><a href=\"")
                        .append(Html.escape(link(PATH + "/totp", f)))
                        .append("\">")
                        .append(t.html("account.totp.continue"))
                        .append("</a></p>\n");
            b.append(form(f, "/totp/setup"))
                    .append(button(t, "account.totp.setup"))
                    .append("</form>\n");
        }
        b.append("</section>\n");
    }

    private static void backupCodes(StringBuilder b, Messages t, Form f, Overview o) {
        b.append("<section aria-labelledby=\"backup-h\">\n<h2 id=\"backup-h\">")
                .append(t.html("account.backup.heading"))
                .append("</h2>\n");
        if (!o.mfa().mfaEnabled()) {
            b.append("<p>").append(t.html("account.backup.none")).append("</p>\n</section>\n");
            return;
        }
        b.append("<p id=\"backup-count\">")
                .append(t.html("account.backup.count", o.mfa().backupCodesRemaining()))
                .append("</p>\n");
        // All used up: losing a factor would now lock the account, so the page says so next to the button.
        if (o.mfa().backupCodesRemaining() == 0)
            b.append("<p><strong>").append(t.html("account.backup.empty")).append("</strong></p>\n");
        b.append(form(f, "/backup-codes"))
                .append("<p>")
                .append(t.html("account.backup.regenerate.hint"))
                .append("</p>\n")
                .append(button(t, "account.backup.regenerate"))
                .append("</form>\n</section>\n");
    }

    private static void email(StringBuilder b, Messages t, Form f, Overview o) {
        boolean on = o.mfa().emailEnabled();
        b.append("<section aria-labelledby=\"email-h\">\n<h2 id=\"email-h\">")
                .append(t.html("account.email.heading"))
                .append("</h2>\n<p>")
                .append(t.html(on ? "account.email.on" : "account.email.off"))
                .append("</p>\n")
                .append(form(f, on ? "/email/disable" : "/email/enable"))
                .append(button(t, on ? "account.email.disable" : "account.email.enable"))
                .append("</form>\n</section>\n");
    }

    private static void passkeys(StringBuilder b, Messages t, Form f, Overview o) {
        b.append("<section aria-labelledby=\"passkeys-h\">\n<h2 id=\"passkeys-h\">")
                .append(t.html("account.passkeys.heading"))
                .append("</h2>\n");
        if (o.passkeys().isEmpty())
            b.append("<p>").append(t.html("account.passkeys.none")).append("</p>\n");
        else b.append("<ul>\n");
        for (var c : o.passkeys()) {
            String id = c.id().toString();
            String base = "/passkeys/" + id;
            b.append("<li>\n<h3>")
                    .append(Html.escape(c.name()))
                    .append("</h3>\n<p>")
                    .append(t.html("account.passkeys.created", when(c.createdAt())));
            if (c.lastUsedAt() != null)
                b.append(", ").append(t.html("account.passkeys.last_used", when(c.lastUsedAt())));
            b.append("</p>\n")
                    .append(form(f, base + "/rename"))
                    .append("<label for=\"name-")
                    .append(id)
                    .append("\">")
                    .append(t.html("account.passkeys.name"))
                    .append("</label>\n<input id=\"name-")
                    .append(id)
                    .append("\" name=\"name\" required maxlength=\"100\" value=\"")
                    .append(Html.escape(c.name()))
                    .append("\">\n")
                    .append(button(t, "account.passkeys.rename"))
                    .append("</form>\n")
                    .append(form(f, base + "/delete"))
                    .append(button(t, "account.passkeys.delete"))
                    .append("</form>\n</li>\n");
        }
        if (!o.passkeys().isEmpty()) b.append("</ul>\n");
        // Registration needs navigator.credentials: the script (same origin, no inline code) shows this form.
        b.append("<form id=\"passkey-add\" hidden data-failed=\"")
                .append(t.html("account.passkeys.failed"))
                .append("\" data-working=\"")
                .append(t.html("account.passkeys.working"))
                .append("\" data-codes-title=\"")
                .append(t.html("account.backup.shown.title"))
                .append("\" data-codes-text=\"")
                .append(t.html("account.backup.shown.text"))
                .append("\" data-codes-done=\"")
                .append(t.html("account.back"))
                .append("\">\n<input type=\"hidden\" name=\"csrf\" value=\"")
                .append(Html.escape(f.csrf()))
                .append("\">\n<label for=\"passkey-name\">")
                .append(t.html("account.passkeys.add.name"))
                .append("</label>\n<input id=\"passkey-name\" name=\"name\" maxlength=\"100\">\n")
                .append("<button type=\"submit\" id=\"passkey-add-button\">")
                .append(t.html("account.passkeys.add"))
                .append("</button>\n<p id=\"passkey-status\" role=\"status\"></p>\n</form>\n")
                .append("<noscript><p>")
                .append(t.html("account.passkeys.needs_js"))
                .append("</p></noscript>\n<script src=\"")
                .append(PATH)
                .append("/passkeys.js\" defer></script>\n</section>\n");
    }

    /** The pending TOTP set-up: QR code (an SVG data URL, allowed by the page's img-src), the key, the confirm form. */
    static String totpSetup(Messages t, Form f, MfaFactors.Setup s) {
        String body = banner(t, f)
                + "<p>" + t.html("account.totp.setup.scan") + "</p>\n"
                + "<p><img id=\"totp-qr\" src=\"" + Html.escape(s.qrCode()) + "\" alt=\""
                + t.html("account.totp.setup.qr_alt") + "\" width=\"220\" height=\"220\"></p>\n"
                + "<p>" + t.html("account.totp.setup.manual") + "</p>\n"
                + "<p><code id=\"totp-secret\">" + Html.escape(s.secret()) + "</code></p>\n"
                + form(f, "/totp/enable")
                + "<label for=\"totp-code\">" + t.html("account.totp.setup.code") + "</label>\n"
                + "<input id=\"totp-code\" name=\"code\" autocomplete=\"one-time-code\" inputmode=\"numeric\""
                + " pattern=\"[0-9]{6}\" maxlength=\"6\" required autofocus"
                + (f.errorKey() == null ? "" : " aria-invalid=\"true\"") + ">\n"
                + button(t, "account.totp.setup.confirm") + "</form>\n"
                + back(t, f);
        return Html.page(t, t.get("account.totp.setup.title"), body);
    }

    /** New backup codes, shown on this response only. */
    static String backupCodesShown(Messages t, Form f, List<String> codes) {
        var b = new StringBuilder(banner(t, f));
        b.append("<p>").append(t.html("account.backup.shown.text")).append("</p>\n<ul id=\"backup-codes\">\n");
        for (String c : codes) b.append("<li><code>").append(Html.escape(c)).append("</code></li>\n");
        b.append("</ul>\n").append(back(t, f));
        return Html.page(t, t.get("account.backup.shown.title"), b.toString());
    }

    /** The path of this page with the visitor's {@code ui_locales}, so the language survives redirects and links. */
    static String link(String path, Form f) {
        return f.uiLocales().isEmpty()
                ? path
                : path + "?ui_locales=" + URLEncoder.encode(f.uiLocales(), StandardCharsets.UTF_8);
    }

    private static String back(Messages t, Form f) {
        return "<p><a href=\"" + Html.escape(link(PATH, f)) + "\">" + t.html("account.back") + "</a></p>\n";
    }

    private static String banner(Messages t, Form f) {
        return (f.errorKey() == null ? "" : Html.alert(t.get(f.errorKey())))
                + (f.noticeKey() == null ? "" : "<p role=\"status\">" + t.html(f.noticeKey()) + "</p>\n");
    }

    static String form(Form f, String action) {
        return "<form method=\"post\" action=\"" + Html.escape(PATH + action) + "\">\n"
                + "<input type=\"hidden\" name=\"csrf\" value=\"" + Html.escape(f.csrf()) + "\">\n"
                + "<input type=\"hidden\" name=\"ui_locales\" value=\"" + Html.escape(f.uiLocales()) + "\">\n";
    }

    static String button(Messages t, String key) {
        return "<button type=\"submit\">" + t.html(key) + "</button>\n";
    }

    /**
     * A button of one item in a list (a device, an application), described by that item's heading: screen readers say
     * which one it acts on, not only "Remove".
     */
    static String button(Messages t, String key, String headingId) {
        return "<button type=\"submit\" aria-describedby=\"" + headingId + "\">" + t.html(key) + "</button>\n";
    }

    static String when(Instant at) {
        return at == null ? "-" : WHEN.format(at);
    }
}
