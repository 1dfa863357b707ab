package dev.gatehouse.login;

import static dev.gatehouse.login.LinkFields.loginLink;
import static dev.gatehouse.login.LinkFields.passwordField;
import static dev.gatehouse.login.LinkFields.weaknessKey;
import static dev.gatehouse.login.LinkFields.wellFormed;
import static dev.gatehouse.platform.http.Html.hidden;

import dev.gatehouse.accounts.MailedLinks;
import dev.gatehouse.accounts.PasswordPolicy;
import dev.gatehouse.auth.AuthRoutes;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.FormPages;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import io.javalin.http.Context;

/**
 * The hosted pages of a forgotten password: {@code /forgot-password} mails a reset link, whose {@code /reset-password}
 * sets the new one, with the shared parts of {@link AccountLinkRoutes}.
 */
final class PasswordResetRoutes implements RouteGroup {
    private final AccountLinkRoutes links;
    private final FormPages pages;
    private final MailedLinks mailed;

    PasswordResetRoutes(AccountLinkRoutes links, FormPages pages, MailedLinks mailed) {
        this.links = links;
        this.pages = pages;
        this.mailed = mailed;
    }

    @Override
    public void routes(Api api) {
        AccountLinkRoutes.page(
                api,
                "/forgot-password",
                this::forgotForm,
                this::forgot,
                "Hosted page asking for a password reset link",
                "a page to check mail (the same whether or not the address has an account)");
        AccountLinkRoutes.page(
                api,
                "/reset-password",
                this::resetForm,
                this::reset,
                "Hosted page choosing a new password with a reset link's token",
                "a page saying the password changed");
    }

    // ---- /forgot-password -------------------------------------------------------------------------------------------

    private void forgotForm(Context ctx) {
        forgotPage(ctx, 200, "", null);
    }

    private void forgotPage(Context ctx, int status, String email, String errorKey) {
        links.emailForm(
                ctx,
                status,
                email,
                errorKey,
                "links.forgot.title",
                "links.forgot.intro",
                "/forgot-password",
                "links.forgot.submit");
    }

    private void forgot(Context ctx) {
        links.mailALink(
                ctx,
                AuthRoutes.FORGOT_PASSWORD,
                this::forgotPage,
                mailed::forgotPassword,
                "links.forgot.title",
                "links.forgot.sent");
    }

    // ---- /reset-password --------------------------------------------------------------------------------------------

    private void resetForm(Context ctx) {
        String token = ctx.queryParam("token");
        if (!wellFormed(token) || !mailed.resetLinkLive(token)) {
            links.invalidLink(ctx, AccountLinkRoutes.RESET);
            return;
        }
        resetPage(ctx, 200, token, null);
    }

    private void resetPage(Context ctx, int status, String token, String errorKey) {
        var t = Messages.of(ctx);
        pages.form(
                ctx,
                status,
                AccountLinkRoutes.RESET.titleKey(),
                AccountLinkRoutes.RESET.introKey(),
                errorKey,
                AccountLinkRoutes.RESET.action(),
                hidden("token", token)
                        + passwordField(t, "new_password", "links.reset.new_password", errorKey)
                        + passwordField(t, "confirm_password", "links.reset.confirm_password", errorKey),
                AccountLinkRoutes.RESET.submitKey(),
                "");
    }

    private void reset(Context ctx) {
        String token = ctx.formParam("token");
        if (!wellFormed(token)) {
            links.invalidLink(ctx, AccountLinkRoutes.RESET);
            return;
        }
        if (pages.csrf.checked(ctx) == null) {
            resetPage(ctx, 403, token, "links.error.expired");
            return;
        }
        String password = ctx.formParam("new_password");
        if (password == null || password.isEmpty()) {
            resetPage(ctx, 400, token, PasswordPolicy.Weakness.TOO_SHORT.key());
            return;
        }
        if (!password.equals(ctx.formParam("confirm_password"))) {
            resetPage(ctx, 400, token, "links.reset.mismatch");
            return;
        }
        if (password.length() > PasswordPolicy.MAX_LENGTH) {
            resetPage(ctx, 400, token, PasswordPolicy.Weakness.TOO_LONG.key());
            return;
        }
        if (!pages.limited(ctx, AuthRoutes.TOKEN_REDEEM, () -> resetPage(ctx, 429, token, "links.error.too_many")))
            return;
        try {
            mailed.resetPassword(token, password, pages.pageInfo(ctx));
        } catch (Problem p) {
            if (p.status() >= 500) throw p;
            if (p.errors().isEmpty()) links.invalidLink(ctx, AccountLinkRoutes.RESET);
            else resetPage(ctx, 400, token, weaknessKey(p));
            return;
        }
        pages.message(
                ctx, 200, AccountLinkRoutes.RESET.titleKey(), "links.reset.done", loginLink(Messages.of(ctx), null));
    }
}
