package dev.gatehouse.account;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.UserClaims;
import dev.gatehouse.login.SsoService;
import dev.gatehouse.login.SsoSession;
import dev.gatehouse.mfa.DeviceService;
import dev.gatehouse.mfa.MfaFactors;
import dev.gatehouse.oauth.authorize.ConsentService;
import dev.gatehouse.oauth.scopes.ScopeService;
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
import dev.gatehouse.webauthn.WebAuthnService;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code /account/security}: the signed-in browser (the hosted login's SSO cookie) manages its second factors through
 * the same services as the {@code /v1} API, which audit every change. Forms are CSRF-protected like {@code /login}
 * (a double-submit token: an HttpOnly SameSite=Strict cookie that must match the hidden field) and answer 303 back to
 * the page with a notice; one-time secrets (a TOTP key, new backup codes) appear on one no-store response only.
 * Adding or removing a factor and new backup codes need a sign-in of the last {@link #RECENT} minutes (otherwise the
 * browser is sent to sign in again); turning TOTP off needs a current code, as in the API.
 */
public final class AccountSecurityRoutes implements RouteGroup {
    static final String CSRF_COOKIE = "gh_account_csrf";
    static final Duration RECENT = Duration.ofMinutes(15);
    static final Rule CODE = new Rule("account-mfa-code", 10, Duration.ofMinutes(15));
    static final Rule PASSKEY = new Rule("account-passkey", 30, Duration.ofMinutes(15));
    /**
     * The page's own policy: its script and fetches from this origin only, the QR code as a data: image, no inline
     * script.
     */
    static final String CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; img-src data:;"
            + " style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

    private static final Set<String> NOTICES = Set.of(
            "profile_saved",
            "totp_enabled",
            "totp_disabled",
            "email_enabled",
            "email_disabled",
            "passkey_added",
            "passkey_renamed",
            "passkey_deleted",
            "device_untrusted",
            "device_removed",
            "browser_signed_out",
            "app_revoked",
            "signed_in_again");

    private final SsoService sso;
    private final AccountService accounts;
    private final MfaFactors mfa;
    private final DeviceService devices;
    private final WebAuthnService webauthn;
    private final ConsentService consents;
    private final ScopeService scopes;
    private final Web web;
    private final Secrets secrets;
    private final Clock clock;
    private final HostCookie ssoCookie;
    private final java.util.function.BiConsumer<SsoSession, dev.gatehouse.platform.http.RequestInfo> signOut;
    private final FormCsrf csrf;

    public AccountSecurityRoutes(
            SsoService sso,
            AccountService accounts,
            MfaFactors mfa,
            DeviceService devices,
            WebAuthnService webauthn,
            ConsentService consents,
            ScopeService scopes,
            Web web,
            Secrets secrets,
            Clock clock,
            HostCookie ssoCookie,
            java.util.function.BiConsumer<SsoSession, dev.gatehouse.platform.http.RequestInfo> signOut,
            boolean secureCookies) {
        this.signOut = signOut;
        this.sso = sso;
        this.accounts = accounts;
        this.mfa = mfa;
        this.devices = devices;
        this.webauthn = webauthn;
        this.consents = consents;
        this.scopes = scopes;
        this.web = web;
        this.secrets = secrets;
        this.clock = clock;
        this.ssoCookie = ssoCookie;
        this.csrf = new FormCsrf(CSRF_COOKIE, AccountPage.PATH, secureCookies);
    }

    @Override
    public void routes(Api api) {
        api.pages(AccountPage.PATH);
        api.get(AccountPage.PATH, this::overview)
                .tag("pages")
                .summary("Account page: profile, second factors, passkeys, signed-in browsers, devices, applications"
                        + " (SSO session required)")
                .returns(200, "HTML page")
                .returns(303, "not signed in: to /login, returning here");
        new AccountFactorRoutes(this, mfa).routes(api);
        new AccountDeviceRoutes(this, devices).routes(api);
        new AccountBrowserRoutes(this, sso, signOut).routes(api);
        new AccountProfileRoutes(this, accounts).routes(api);
        new AccountPasskeyRoutes(this, webauthn).routes(api);
        new AccountAppRoutes(this, consents).routes(api);
    }

    // ---- what every account route shares --------------------------------------------------------------------------

    /** The browser's open SSO session; empty after a redirect to /login (returning here) has been sent. */
    Optional<SsoSession> signedIn(Context ctx) {
        var session = session(ctx);
        if (session.isEmpty()) toLogin(ctx);
        return session;
    }

    /** The browser's open SSO session, if any. */
    Optional<SsoSession> session(Context ctx) {
        return sso.find(ssoCookie.read(ctx));
    }

    /**
     * The session of a form post whose CSRF token matches; empty when a response (login redirect, 403 page) was sent.
     * {@code recent}: the sign-in must also be of the last {@link #RECENT}, otherwise the browser signs in again.
     */
    Optional<SsoSession> posted(Context ctx, boolean recent) {
        var session = signedIn(ctx);
        if (session.isEmpty()) return session;
        if (!csrfMatches(ctx, ctx.formParam("csrf"))) {
            overview(ctx, session.get(), 403, null, "account.error.expired");
            return Optional.empty();
        }
        if (recent && !recent(session.get())) {
            signInAgain(ctx, session.get());
            return Optional.empty();
        }
        return session;
    }

    boolean csrfMatches(Context ctx, String presented) {
        return csrf.matches(ctx, presented);
    }

    boolean recent(SsoSession s) {
        return !clock.instant().isAfter(s.authTime().plus(RECENT));
    }

    /**
     * To the hosted sign-in, which comes back here afterwards (a plain sign-in, no OAuth request); the language asked
     * for goes to the sign-in and comes back with the return path.
     */
    void toLogin(Context ctx) {
        toLogin(ctx, "", "");
    }

    /**
     * A change that needs a recent sign-in, after {@link #RECENT}: to the hosted sign-in with the account's address
     * filled in (this browser is signed in to it already), and back to the page with a notice to make the change once
     * more. The change itself is not kept: a form replayed after a sign-in would act on what the user saw before it.
     */
    private void signInAgain(Context ctx, SsoSession s) {
        String hint = accounts.find(s.userId())
                .map(u -> "&login_hint=" + URLEncoder.encode(u.email(), StandardCharsets.UTF_8))
                .orElse("");
        toLogin(ctx, "notice=signed_in_again", hint);
    }

    private void toLogin(Context ctx, String backQuery, String loginQuery) {
        String ui = Messages.uiLocales(ctx);
        String lang = ui.isEmpty() ? "" : "ui_locales=" + URLEncoder.encode(ui, StandardCharsets.UTF_8);
        String query = String.join(
                "&", Stream.of(backQuery, lang).filter(q -> !q.isEmpty()).toList());
        String back = AccountPage.PATH + (query.isEmpty() ? "" : "?" + query);
        ctx.header("Cache-Control", "no-store");
        ctx.redirect(
                "/login?return_to=" + URLEncoder.encode(back, StandardCharsets.UTF_8)
                        + (lang.isEmpty() ? "" : "&" + lang)
                        + loginQuery,
                HttpStatus.SEE_OTHER);
    }

    /** 303 back to the page with a notice (a key of {@link #NOTICES}). */
    void done(Context ctx, String notice) {
        String path = AccountPage.link(AccountPage.PATH, form(ctx, null, null));
        ctx.header("Cache-Control", "no-store");
        ctx.redirect(path + (path.contains("?") ? "&" : "?") + "notice=" + notice, HttpStatus.SEE_OTHER);
    }

    /** The form context of a response: the CSRF token (kept while the cookie holds a well-formed one) and language. */
    AccountPage.Form form(Context ctx, String noticeKey, String errorKey) {
        String token = csrf.forPage(ctx, () -> secrets.token(""));
        return new AccountPage.Form(token, Messages.uiLocales(ctx), noticeKey, errorKey);
    }

    void send(Context ctx, int status, String html) {
        Html.send(ctx, status, html, CSP);
    }

    /** The overview with a message; {@code errorKey} with a 4xx {@code status}. */
    void overview(Context ctx, SsoSession s, int status, String noticeKey, String errorKey) {
        overview(ctx, s, status, noticeKey, errorKey, java.util.Map.of(), null);
    }

    /**
     * The overview with the profile fields as the visitor typed them ({@code typed}, over the stored values) and
     * {@code invalidClaim} marked, for a refused profile form: nothing typed is lost.
     */
    void overview(
            Context ctx,
            SsoSession s,
            int status,
            String noticeKey,
            String errorKey,
            java.util.Map<String, String> typed,
            String invalidClaim) {
        var user = accounts.find(s.userId());
        if (user.isEmpty()) {
            toLogin(ctx);
            return;
        }
        var current = web.deviceId(ctx);
        var profile = new java.util.LinkedHashMap<String, Object>(
                UserClaims.of(user.get(), AccountPage.PROFILE_CLAIMS::contains));
        profile.putAll(typed);
        var o = new AccountPage.Overview(
                user.get().email(),
                profile,
                invalidClaim,
                mfa.status(s.userId()),
                mfa.pendingTotpSetup(s.userId()).isPresent(),
                webauthn.list(s.userId()),
                sso.browsers(s.userId(), s.id()),
                devices.list(s.userId(), current),
                consents.list(s.userId()).stream()
                        .map(c -> new AccountPage.App(
                                c.clientId(), c.clientName(), c.grantedAt(), scopes.describe(c.scope())))
                        .toList());
        send(ctx, status, AccountPage.overview(Messages.of(ctx), form(ctx, noticeKey, errorKey), o));
    }

    /**
     * Maps a service's refusal to the page's message: the overview again with a 4xx. A 429 keeps its Retry-After.
     */
    void refused(Context ctx, SsoSession s, Problem p) {
        if (p.status() >= 500) throw p;
        p.headers().forEach(ctx::header);
        String key = switch (p.code()) {
            case "invalid_code" -> "account.error.code_wrong";
            case "email_not_verified" -> "account.error.email_not_verified";
            case "too_many_credentials" -> "account.error.too_many_credentials";
            case "mfa_not_enabled" -> "account.error.no_factor";
            case "not_found" -> "account.error.not_found";
            default -> p.status() == 429 ? "account.error.too_many" : "account.error.changed";
        };
        overview(ctx, s, p.status(), null, key);
    }

    Web web() {
        return web;
    }

    private void overview(Context ctx) {
        var s = signedIn(ctx);
        if (s.isEmpty()) return;
        String notice = ctx.queryParam("notice");
        overview(
                ctx,
                s.get(),
                200,
                notice != null && NOTICES.contains(notice) ? "account.notice." + notice : null,
                null);
    }
}
