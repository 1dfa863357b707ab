package dev.gatehouse.oauth.device;

import com.nimbusds.oauth2.sdk.GrantType;
import dev.gatehouse.login.SsoService;
import dev.gatehouse.login.SsoSession;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.clients.ClientAuthParser;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.oauth.scopes.ScopeService;
import dev.gatehouse.oauth.scopes.ScopeWords;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.FormCsrf;
import dev.gatehouse.platform.http.HostCookie;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.ratelimit.RateLimiter.Rule;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * RFC 8628: the device authorization endpoint, and the {@code /device} page where a signed-in user enters the code
 * shown on the device, sees which application asks for what, and approves or denies. Every code the page is given
 * counts against a rate limit per account and per address (§5.1); the forms are CSRF-protected like the login page,
 * and a code from {@code verification_uri_complete} is still confirmed by the user (§5.4: remote phishing).
 */
public final class DeviceRoutes implements RouteGroup {
    static final String CSRF_COOKIE = "gh_device_csrf";
    static final Rule USER_CODE = new Rule("device_user_code", 20, Duration.ofMinutes(15));
    /**
     * Device authorizations per address: each one stores a pending code for a day, and public device clients need no
     * secret to ask, so without a bound anyone could fill the table.
     */
    static final Rule DEVICE_AUTHORIZATION = new Rule("device_authorization", 60, Duration.ofMinutes(15));

    private final DeviceService devices;
    private final ClientService clients;
    private final ScopeService scopes;
    private final SsoService sso;
    private final Web web;
    private final Secrets secrets;
    private final String issuer;
    private final HostCookie ssoCookie;
    private final FormCsrf csrf;

    public DeviceRoutes(
            DeviceService devices,
            ClientService clients,
            ScopeService scopes,
            SsoService sso,
            Web web,
            Secrets secrets,
            String issuer,
            HostCookie ssoCookie,
            boolean secureCookies) {
        this.devices = devices;
        this.clients = clients;
        this.scopes = scopes;
        this.sso = sso;
        this.web = web;
        this.secrets = secrets;
        this.issuer = issuer;
        this.ssoCookie = ssoCookie;
        this.csrf = new FormCsrf(CSRF_COOKIE, "/device", secureCookies);
    }

    @Override
    public void routes(Api api) {
        api.problemsAs("/oauth2/device_authorization", OAuthError::of);
        api.post("/oauth2/device_authorization", this::authorization)
                .tag("oauth")
                .summary("Device authorization endpoint (RFC 8628 §3.1)")
                .returns(200, "device_code, user_code and verification_uri")
                .returns(400, "RFC 6749 error")
                .returns(401, "invalid_client")
                .returns(429, "slow_down: too many device authorizations from this address (Retry-After)");
        api.pages("/device");
        api.get("/device", this::form)
                .tag("pages")
                .summary("Hosted page where a user enters a device's user code")
                .query("user_code", "prefilled from verification_uri_complete")
                .returns(200, "HTML form")
                .returns(303, "not signed in; to the login page and back");
        api.post("/device", this::submit)
                .tag("pages")
                .summary("Device user code entry, then approval or denial")
                .returns(200, "HTML confirmation or result")
                .returns(400, "HTML form with an error")
                .returns(429, "too many codes tried");
    }

    private void authorization(Context ctx) {
        if (!dev.gatehouse.platform.http.FormEndpoint.isForm(ctx.header("Content-Type")))
            throw OAuthError.invalidRequest("the body must be application/x-www-form-urlencoded");
        Map<String, List<String>> params = ctx.formParamMap();
        var client = clients.authenticate(ClientAuthParser.parse(ctx.header("Authorization"), params));
        if (!client.allows(GrantType.DEVICE_CODE))
            throw OAuthError.unauthorizedClient("the client is not registered for the device grant");
        String scopeParam = ClientAuthParser.single(params, "scope");
        Set<String> scope = scopeParam == null || scopeParam.isBlank()
                ? Set.of()
                : new LinkedHashSet<>(List.of(scopeParam.trim().split(" +")));
        List<String> resources = params.getOrDefault("resource", List.of()); // checked by DeviceService.start
        try {
            web.limit(ctx, DEVICE_AUTHORIZATION);
        } catch (Problem p) {
            if (p.status() != 429) throw p;
            p.headers().forEach(ctx::header); // Retry-After
            // The OAuth surface's error shape; slow_down is RFC 8628's word for a device asking too often.
            throw new OAuthError(429, "slow_down", "too many device authorizations from this address; retry later");
        }
        var started = devices.start(client, scope, resources, web.info(ctx));
        var body = new LinkedHashMap<String, Object>();
        body.put("device_code", started.deviceCode());
        body.put("user_code", started.userCode());
        body.put("verification_uri", issuer + "/device");
        body.put("verification_uri_complete", issuer + "/device?user_code=" + started.userCode());
        body.put("expires_in", started.expiresIn());
        body.put("interval", started.interval());
        ctx.header("Cache-Control", "no-store");
        ctx.header("Pragma", "no-cache");
        web.ok(ctx, body);
    }

    private Optional<SsoSession> signedIn(Context ctx) {
        return sso.find(ssoCookie.read(ctx));
    }

    private String csrf(Context ctx) {
        return csrf.forPage(ctx, () -> secrets.token(""));
    }

    /** A prefilled code is only echoed back when it looks like one. */
    private static String shown(String userCode) {
        return DeviceService.normalize(userCode).map(DeviceService::format).orElse("");
    }

    private void form(Context ctx) {
        String code = shown(ctx.queryParam("user_code"));
        var session = signedIn(ctx);
        if (session.isEmpty()) {
            String back = entryPath(ctx, code);
            ctx.header("Cache-Control", "no-store");
            ctx.redirect(dev.gatehouse.login.LoginRoutes.withReturn("/login", back), HttpStatus.SEE_OTHER);
            return;
        }
        if (sso.mustChangePassword(session.get())) {
            ctx.header("Cache-Control", "no-store");
            ctx.redirect(SsoService.passwordChangeFirst(entryPath(ctx, code)), HttpStatus.SEE_OTHER);
            return;
        }
        renderEntry(ctx, 200, code, null);
    }

    /** This page with the code and the language, so the pages on the way (sign-in, new password) come back here. */
    private static String entryPath(Context ctx, String code) {
        var q = new java.util.ArrayList<String>();
        if (!code.isEmpty()) q.add("user_code=" + code);
        if (!uiLocales(ctx).isEmpty()) q.add("ui_locales=" + enc(uiLocales(ctx)));
        return "/device" + (q.isEmpty() ? "" : "?" + String.join("&", q));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The request's {@code ui_locales} (checked by {@link Messages#uiLocales}), carried along in every form. */
    private static String uiLocales(Context ctx) {
        return Messages.uiLocales(ctx).trim();
    }

    private void renderEntry(Context ctx, int status, String code, String errorKey) {
        var t = Messages.of(ctx);
        String body = (errorKey == null ? "" : Html.alert(t.get(errorKey)))
                + """
                <p>%s</p>
                <form method="post" action="/device">
                <input type="hidden" name="csrf" value="%s">
                <input type="hidden" name="ui_locales" value="%s">
                <label for="user_code">%s</label>
                <input id="user_code" name="user_code" autocomplete="off" autocapitalize="characters" \
                spellcheck="false" required maxlength="32" value="%s"%s>
                <button type="submit">%s</button>
                </form>
                """.formatted(
                                t.html("device.intro"),
                                Html.escape(csrf(ctx)),
                                Html.escape(uiLocales(ctx)),
                                t.html("device.code"),
                                Html.escape(code),
                                errorKey == null ? "" : " aria-invalid=\"true\"",
                                t.html("device.submit"));
        Html.send(ctx, status, Html.page(t, t.get("device.title"), body));
    }

    private void submit(Context ctx) {
        var session = signedIn(ctx);
        if (csrf.checked(ctx) == null || session.isEmpty()) {
            var t = Messages.of(ctx);
            String again = "/device" + (uiLocales(ctx).isEmpty() ? "" : "?ui_locales=" + enc(uiLocales(ctx)));
            Html.send(
                    ctx,
                    403,
                    Html.page(
                            t,
                            t.get("device.expired.title"),
                            "<p>" + t.html("device.expired.text") + " <a href=\"" + Html.escape(again) + "\">"
                                    + t.html("device.expired.link") + "</a>.</p>"));
            return;
        }
        SsoSession s = session.get();
        String code = ctx.formParam("user_code");
        if (sso.mustChangePassword(s)) {
            ctx.redirect(SsoService.passwordChangeFirst(entryPath(ctx, shown(code))), HttpStatus.SEE_OTHER);
            return;
        }
        try {
            web.limit(ctx, USER_CODE, s.userId().toString());
        } catch (Problem p) {
            if (p.status() != 429) throw p;
            p.headers().forEach(ctx::header); // Retry-After
            renderEntry(ctx, 429, shown(code), "device.error.too_many");
            return;
        }
        var pending = devices.pending(code);
        if (pending.isEmpty()) {
            renderEntry(ctx, 400, shown(code), "device.error.invalid_code");
            return;
        }
        String decision = ctx.formParam("decision");
        if (decision == null) {
            renderConfirm(
                    ctx,
                    pending.get(),
                    DeviceService.format(DeviceService.normalize(code).orElseThrow()));
            return;
        }
        boolean approve = "allow".equals(decision);
        if (!devices.decide(code, s.userId(), s.authTime(), s.amr(), approve, web.info(ctx))) {
            renderEntry(ctx, 400, "", "device.error.invalid_code");
            return;
        }
        csrf.clear(ctx);
        var t = Messages.of(ctx);
        String key = approve ? "device.done" : "device.denied";
        Html.send(ctx, 200, Html.page(t, t.get(key + ".title"), "<p>" + t.html(key + ".text") + "</p>"));
    }

    private void renderConfirm(Context ctx, DeviceService.Pending p, String code) {
        var t = Messages.of(ctx);
        String items = ScopeWords.listItems(t, scopes.describe(p.scope()));
        String body = """
                <p id="device-intro">%s</p>
                <ul aria-labelledby="device-intro">
                %s
                </ul>
                <p>%s</p>
                <form method="post" action="/device">
                <input type="hidden" name="csrf" value="%s">
                <input type="hidden" name="user_code" value="%s">
                <input type="hidden" name="ui_locales" value="%s">
                <button type="submit" name="decision" value="allow">%s</button>
                <button type="submit" name="decision" value="deny">%s</button>
                </form>
                """.formatted(
                        t.markup(
                                "device.confirm.intro",
                                Html.strong(code),
                                Html.strong(p.client().name())),
                        items,
                        t.html("device.confirm.warning"),
                        Html.escape(csrf(ctx)),
                        Html.escape(code),
                        Html.escape(uiLocales(ctx)),
                        t.html("device.allow"),
                        t.html("device.deny"));
        Html.send(ctx, 200, Html.page(t, t.get("device.confirm.title"), body));
    }
}
