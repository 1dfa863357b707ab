package dev.gatehouse.oidc;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.User;
import dev.gatehouse.login.SsoService;
import dev.gatehouse.login.SsoSession;
import dev.gatehouse.oauth.authorize.Acr;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.HostCookie;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;

/**
 * The browser's own sign-in at the hosted login (the SSO cookie), for the pages and scripts of Gatehouse's origin:
 * {@code GET /session} tells who is signed in, since when, how and until when; {@code POST /session/validate} only
 * whether the sign-in still holds. Neither changes anything, and neither answers another origin (no CORS; the cookie
 * is SameSite=Lax and HttpOnly), so a page elsewhere can neither read them nor learn from them.
 */
public final class BrowserSessionRoutes implements RouteGroup {
    /** What {@code GET /session} answers: only {@code authenticated: false} when no one is signed in. */
    public record SessionInfo(
            boolean authenticated,
            String sessionId,
            String sub,
            String email,
            Long authTime,
            Long expiresAt,
            List<String> amr,
            String acr) {
        static final SessionInfo NONE = new SessionInfo(false, null, null, null, null, null, null, null);
    }

    /** What {@code POST /session/validate} answers. */
    public record Validity(boolean valid, Long expiresAt) {}

    private final SsoService sso;
    private final HostCookie ssoCookie;
    private final AccountService accounts;
    private final Web web;

    public BrowserSessionRoutes(SsoService sso, HostCookie ssoCookie, AccountService accounts, Web web) {
        this.sso = sso;
        this.ssoCookie = ssoCookie;
        this.accounts = accounts;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.get("/session", this::info)
                .tag("hosted pages")
                .summary("This browser's sign-in at the hosted login (the SSO cookie)")
                .returns(200, SessionInfo.class);
        api.post("/session/validate", this::validate)
                .tag("hosted pages")
                .summary("Whether this browser's sign-in at the hosted login still holds")
                .returns(200, Validity.class);
    }

    /** A valid sign-in of this browser and its user, who can still sign in. */
    private record SignedIn(SsoSession session, User user) {}

    private Optional<SignedIn> current(Context ctx) {
        // Asked by a page's script, often on a timer: not a use by the user, so the idle expiry stays where it was.
        return sso.peek(ssoCookie.read(ctx))
                .flatMap(s -> accounts.find(s.userId()).filter(User::active).map(u -> new SignedIn(s, u)));
    }

    private void info(Context ctx) {
        // Nobody signed in is not a 401: there is no credential a caller could send, and a page script asks to know.
        web.ok(ctx, current(ctx).map(BrowserSessionRoutes::info).orElse(SessionInfo.NONE));
    }

    private static SessionInfo info(SignedIn signedIn) {
        var session = signedIn.session();
        return new SessionInfo(
                true,
                session.id().toString(),
                signedIn.user().id().toString(),
                signedIn.user().email(),
                session.authTime().getEpochSecond(),
                session.expiresAt().getEpochSecond(),
                session.amr(),
                Acr.achievedBy(session.amr()));
    }

    private void validate(Context ctx) {
        var session = current(ctx);
        web.ok(
                ctx,
                new Validity(
                        session.isPresent(),
                        session.map(s -> s.session().expiresAt().getEpochSecond())
                                .orElse(null)));
    }
}
