package dev.gatehouse.oauth.device;

import com.nimbusds.oauth2.sdk.GrantType;
import dev.gatehouse.login.LoginRoutes;
import dev.gatehouse.login.SsoService;
import dev.gatehouse.login.SsoSession;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.oauth.authorize.ConsentService;
import dev.gatehouse.oauth.clients.ClientAuthParser;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.ratelimit.RateLimiter.Rule;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HttpStatus;
import io.javalin.http.SameSite;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * RFC 8628: the device authorization endpoint, and the {@code /device} page where a signed-in user enters the code
 * shown on the device, sees which application asks for what, and approves or denies. Every code the page is given
 * counts against a rate limit per account and per address (§5.1); the forms are CSRF-protected like the login page,
 * and a code from {@code verification_uri_complete} is still confirmed by the user (§5.4: remote phishing).
 */
public final class DeviceRoutes implements RouteGroup {
    static final String CSRF_COOKIE = "gh_device_csrf";
    static final Rule USER_CODE = new Rule("device_user_code", 20, Duration.ofMinutes(15));

    private final DeviceService devices;
    private final ClientService clients;
    private final ConsentService consent;
    private final SsoService sso;
    private final Web web;
    private final Secrets secrets;
    private final String issuer;
    private final boolean secureCookies;

    public DeviceRoutes(
            DeviceService devices,
            ClientService clients,
            ConsentService consent,
            SsoService sso,
            Web web,
            Secrets secrets,
            String issuer,
            boolean secureCookies) {
        this.devices = devices;
        this.clients = clients;
        this.consent = consent;
        this.sso = sso;
        this.web = web;
        this.secrets = secrets;
        this.issuer = issuer;
        this.secureCookies = secureCookies;
    }

    @Override
    public void routes(Api api) {
        api.post("/oauth2/device_authorization", this::authorization)
                .tag("oauth")
                .summary("Device authorization endpoint (RFC 8628 §3.1)")
                .returns(200, "device_code, user_code and verification_uri")
                .returns(400, "RFC 6749 error")
                .returns(401, "invalid_client");
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
        String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
        if (!type.startsWith("application/x-www-form-urlencoded"))
            throw OAuthError.invalidRequest("the body must be application/x-www-form-urlencoded");
        Map<String, List<String>> params = ctx.formParamMap();
        var client = clients.authenticate(ClientAuthParser.parse(ctx.header("Authorization"), params));
        if (!client.allows(GrantType.DEVICE_CODE))
            throw OAuthError.unauthorizedClient("the client is not registered for the device grant");
        String scopeParam = ClientAuthParser.single(params, "scope");
        Set<String> scope = scopeParam == null || scopeParam.isBlank()
                ? Set.of()
                : new LinkedHashSet<>(List.of(scopeParam.trim().split(" +")));
        List<String> resources = params.getOrDefault("resource", List.of());
        for (String r : resources) {
            URI uri;
            try {
                uri = URI.create(r);
            } catch (IllegalArgumentException e) {
                throw OAuthError.invalidTarget("resource must be an absolute URI");
            }
            if (!uri.isAbsolute() || uri.getFragment() != null)
                throw OAuthError.invalidTarget("resource must be an absolute URI without fragment");
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
        return sso.find(ctx.cookie(LoginRoutes.SSO_COOKIE));
    }

    private String csrf(Context ctx) {
        String csrf = secrets.token("");
        var cookie = new Cookie(CSRF_COOKIE, csrf, "/device", -1, secureCookies);
        cookie.setHttpOnly(true);
        cookie.setSameSite(SameSite.STRICT);
        ctx.cookie(cookie);
        return csrf;
    }

    /** A prefilled code is only echoed back when it looks like one. */
    private static String shown(String userCode) {
        return DeviceService.normalize(userCode).map(DeviceService::format).orElse("");
    }

    private void form(Context ctx) {
        String code = shown(ctx.queryParam("user_code"));
        if (signedIn(ctx).isEmpty()) {
            String back = code.isEmpty() ? "/device" : "/device?user_code=" + code;
            ctx.header("Cache-Control", "no-store");
            ctx.redirect("/login?return_to=" + URLEncoder.encode(back, StandardCharsets.UTF_8), HttpStatus.SEE_OTHER);
            return;
        }
        renderEntry(ctx, 200, code, null);
    }

    private void renderEntry(Context ctx, int status, String code, String error) {
        String body = (error == null ? "" : "<p class=\"error\" role=\"alert\">" + Html.escape(error) + "</p>\n")
                + """
                <p>Enter the code shown on your device.</p>
                <form method="post" action="/device">
                <input type="hidden" name="csrf" value="%s">
                <label for="user_code">Code</label>
                <input id="user_code" name="user_code" autocomplete="off" autocapitalize="characters" \
                spellcheck="false" required maxlength="32" value="%s">
                <button type="submit">Continue</button>
                </form>
                """.formatted(Html.escape(csrf(ctx)), Html.escape(code));
        Html.send(ctx, status, Html.page("Connect a device", body));
    }

    private void submit(Context ctx) {
        String expected = ctx.cookie(CSRF_COOKIE);
        String presented = ctx.formParam("csrf");
        var session = signedIn(ctx);
        if (expected == null
                || presented == null
                || !Secrets.constantTimeEquals(expected, presented)
                || session.isEmpty()) {
            Html.send(
                    ctx,
                    403,
                    Html.page(
                            "Please start again",
                            "<p>This form has expired. <a href=\"/device\">Enter the code again</a>.</p>"));
            return;
        }
        SsoSession s = session.get();
        web.limit(ctx, USER_CODE, s.userId().toString());
        String code = ctx.formParam("user_code");
        var pending = devices.pending(code);
        if (pending.isEmpty()) {
            renderEntry(ctx, 400, shown(code), "That code is not valid or has expired. Check it and try again.");
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
            renderEntry(ctx, 400, "", "That code is not valid or has expired. Check it and try again.");
            return;
        }
        ctx.removeCookie(CSRF_COOKIE, "/device");
        Html.send(
                ctx,
                200,
                approve
                        ? Html.page("Device connected", "<p>You can return to your device.</p>")
                        : Html.page("Access denied", "<p>The device was not given access.</p>"));
    }

    private void renderConfirm(Context ctx, DeviceService.Pending p, String code) {
        var t = Messages.of(ctx);
        String items = consent.describe(p.scope()).entrySet().stream()
                .map(e -> "<li>"
                        + (t.has("scope." + e.getKey()) ? t.html("scope." + e.getKey()) : Html.escape(e.getValue()))
                        + "</li>")
                .collect(Collectors.joining("\n"));
        String body = """
                <p>Code <strong>%s</strong>: <strong>%s</strong> on your device would like to:</p>
                <ul>
                %s
                </ul>
                <p>Only allow this if you started it on a device you are holding.</p>
                <form method="post" action="/device">
                <input type="hidden" name="csrf" value="%s">
                <input type="hidden" name="user_code" value="%s">
                <button type="submit" name="decision" value="allow">Allow</button>
                <button type="submit" name="decision" value="deny">Deny</button>
                </form>
                """.formatted(
                Html.escape(code), Html.escape(p.client().name()), items, Html.escape(csrf(ctx)), Html.escape(code));
        Html.send(ctx, 200, Html.page("Allow access?", body));
    }
}
