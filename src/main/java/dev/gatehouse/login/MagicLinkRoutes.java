package dev.gatehouse.login;

import dev.gatehouse.accounts.MailedLinks;
import dev.gatehouse.auth.AuthRoutes;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.FormCsrf;
import dev.gatehouse.platform.http.FormPages;
import dev.gatehouse.platform.http.HostCookie;
import dev.gatehouse.platform.http.RouteGroup;
import io.javalin.http.Context;

/**
 * The hosted sign-in link page, {@code /magic-link}: it asks for a link by mail, and the link's button signs the
 * browser in (or leads to the second step), with the shared parts of {@link AccountLinkRoutes}.
 */
final class MagicLinkRoutes implements RouteGroup {
    private final AccountLinkRoutes links;
    private final FormPages pages;
    private final MailedLinks mailed;
    private final SsoService sso;
    private final SsoSignIn signIn;
    private final Secrets secrets;
    private final FormCsrf loginCsrf;
    private final HostCookie ssoCookie;
    private final LoginRoutes.SignedInAnswer signedIn;

    MagicLinkRoutes(
            AccountLinkRoutes links,
            FormPages pages,
            MailedLinks mailed,
            SsoService sso,
            SsoSignIn signIn,
            Secrets secrets,
            FormCsrf loginCsrf,
            HostCookie ssoCookie,
            LoginRoutes.SignedInAnswer signedIn) {
        this.links = links;
        this.pages = pages;
        this.mailed = mailed;
        this.sso = sso;
        this.signIn = signIn;
        this.secrets = secrets;
        this.loginCsrf = loginCsrf;
        this.ssoCookie = ssoCookie;
        this.signedIn = signedIn;
    }

    @Override
    public void routes(Api api) {
        AccountLinkRoutes.page(
                api,
                "/magic-link",
                this::linkForm,
                this::link,
                "Hosted page signing in with a sign-in link's token, or asking for one",
                "signed in (the account page), the second step, or a page to check mail");
    }

    // ---- /magic-link ------------------------------------------------------------------------------------------------

    private void linkForm(Context ctx) {
        String token = ctx.queryParam("token");
        if (token == null) askForLink(ctx, 200, "", null);
        else links.open(ctx, AccountLinkRoutes.MAGIC, token);
    }

    /** The form that asks for a sign-in link by mail. */
    private void askForLink(Context ctx, int status, String email, String errorKey) {
        links.emailForm(
                ctx,
                status,
                email,
                errorKey,
                "links.magic.title",
                "links.magic.ask",
                "/magic-link",
                "links.magic.send");
    }

    private void link(Context ctx) {
        if (ctx.formParam("token") == null) {
            sendLink(ctx);
            return;
        }
        String token = links.redeemable(ctx, AccountLinkRoutes.MAGIC);
        if (token == null) return;
        var current = sso.findToEnd(ssoCookie.read(ctx));
        switch (signIn.signInWithLink(token, current, pages.pageInfo(ctx))) {
            case LoginOutcome.SignedIn s -> signedIn.send(ctx, s, current, LoginRoutes.ACCOUNT_PAGE);
            case LoginOutcome.MfaRequired m -> {
                // The second step is the sign-in page's own, under its CSRF cookie.
                pages.csrf.clear(ctx);
                String loginToken = loginCsrf.forPage(ctx, () -> secrets.token(""));
                LoginMfaRoutes.render(
                        ctx, 200, loginToken, LoginRoutes.ACCOUNT_PAGE, m.mfaToken(), m.methods(), null, null);
            }
            case LoginOutcome.Refused r -> links.invalidLink(ctx, AccountLinkRoutes.MAGIC);
            case LoginOutcome.EmailNotVerified n -> links.invalidLink(ctx, AccountLinkRoutes.MAGIC);
        }
    }

    private void sendLink(Context ctx) {
        links.mailALink(
                ctx,
                AuthRoutes.MAGIC_LINK,
                this::askForLink,
                mailed::sendMagicLink,
                "links.magic.title",
                "links.magic.sent");
    }
}
