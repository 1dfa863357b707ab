package dev.gatehouse.account;

import dev.gatehouse.login.SsoSession;
import dev.gatehouse.mfa.MfaFactors;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Messages;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.List;

/** The account page's TOTP, backup-code and email-code forms, each a call of {@link MfaFactors}. */
final class AccountFactorRoutes implements RouteGroup {
    private static final String P = AccountPage.PATH;

    private final AccountSecurityRoutes page;
    private final MfaFactors mfa;

    AccountFactorRoutes(AccountSecurityRoutes page, MfaFactors mfa) {
        this.page = page;
        this.mfa = mfa;
    }

    @Override
    public void routes(Api api) {
        post(api, "/totp/setup", this::setup, "Start TOTP set-up (recent sign-in)", "to the set-up page");
        api.get(P + "/totp", this::setupPage)
                .tag("pages")
                .summary("Account page: the pending TOTP set-up (QR code, key, confirm form)")
                .returns(200, "HTML page")
                .returns(303, "no set-up pending, or not signed in (recently)");
        post(api, "/totp/enable", this::enable, "Confirm TOTP with a code (shows new backup codes)", null);
        post(api, "/totp/disable", this::disable, "Turn TOTP off with a current TOTP or backup code", "turned off");
        post(api, "/backup-codes", this::regenerate, "New backup codes, shown once (recent sign-in)", null);
        post(api, "/email/enable", this::enableEmail, "Turn email codes on (recent sign-in)", "turned on");
        post(api, "/email/disable", this::disableEmail, "Turn email codes off (recent sign-in)", "turned off");
    }

    static void post(Api api, String path, io.javalin.http.Handler h, String summary, String redirect) {
        var op = api.post(P + path, h)
                .tag("pages")
                .summary("Account page: " + summary)
                .returns(redirect == null ? 200 : 303, redirect == null ? "HTML page" : "back to the page: " + redirect)
                .returns(400, "HTML page with an error")
                .returns(403, "HTML page: the CSRF token did not match, or the browser called the post cross-site");
        if (redirect == null) op.returns(303, "not signed in (recently): to /login");
    }

    private void setup(Context ctx) {
        var s = page.posted(ctx, true);
        if (s.isEmpty()) return;
        try {
            var unused = mfa.setupTotp(s.get().userId(), page.web().info(ctx));
        } catch (Problem p) {
            page.refused(ctx, s.get(), p);
            return;
        }
        ctx.header("Cache-Control", "no-store");
        ctx.redirect(AccountPage.link(P + "/totp", page.form(ctx, null, null)), HttpStatus.SEE_OTHER);
    }

    private void setupPage(Context ctx) {
        var s = page.signedIn(ctx);
        if (s.isEmpty()) return;
        if (!page.recent(s.get())) {
            page.toLogin(ctx);
            return;
        }
        showSetup(ctx, s.get(), 200, null);
    }

    private void showSetup(Context ctx, SsoSession s, int status, String errorKey) {
        var setup = mfa.pendingTotpSetup(s.userId());
        if (setup.isEmpty()) {
            ctx.header("Cache-Control", "no-store");
            ctx.redirect(AccountPage.link(P, page.form(ctx, null, null)), HttpStatus.SEE_OTHER);
            return;
        }
        page.send(ctx, status, AccountPage.totpSetup(Messages.of(ctx), page.form(ctx, null, errorKey), setup.get()));
    }

    private void enable(Context ctx) {
        var s = page.posted(ctx, true);
        if (s.isEmpty()) return;
        String code = code(ctx);
        if (code == null) {
            showSetup(ctx, s.get(), 400, "account.error.code_empty");
            return;
        }
        List<String> codes;
        try {
            page.web().limit(ctx, AccountSecurityRoutes.CODE, s.get().userId().toString());
            codes = mfa.enableTotp(s.get().userId(), code, page.web().info(ctx));
        } catch (Problem p) {
            if (p.code().equals("invalid_code")) {
                showSetup(ctx, s.get(), 400, "account.error.code_wrong");
            } else page.refused(ctx, s.get(), p);
            return;
        }
        showCodes(ctx, codes, "account.notice.totp_enabled");
    }

    private void disable(Context ctx) {
        var s = page.posted(ctx, false);
        if (s.isEmpty()) return;
        String code = code(ctx);
        if (code == null) {
            page.overview(ctx, s.get(), 400, null, "account.error.code_empty");
            return;
        }
        try {
            page.web().limit(ctx, AccountSecurityRoutes.CODE, s.get().userId().toString());
            mfa.disableTotp(s.get().userId(), code, page.web().info(ctx));
        } catch (Problem p) {
            page.refused(ctx, s.get(), p);
            return;
        }
        page.done(ctx, "totp_disabled");
    }

    private void regenerate(Context ctx) {
        var s = page.posted(ctx, true);
        if (s.isEmpty()) return;
        List<String> codes;
        try {
            codes = mfa.regenerateBackupCodes(s.get().userId(), page.web().info(ctx));
        } catch (Problem p) {
            page.refused(ctx, s.get(), p);
            return;
        }
        showCodes(ctx, codes, null);
    }

    private void enableEmail(Context ctx) {
        var s = page.posted(ctx, true);
        if (s.isEmpty()) return;
        List<String> codes;
        try {
            codes = mfa.enableEmail(s.get().userId(), page.web().info(ctx));
        } catch (Problem p) {
            page.refused(ctx, s.get(), p);
            return;
        }
        if (codes.isEmpty()) page.done(ctx, "email_enabled");
        else showCodes(ctx, codes, "account.notice.email_enabled");
    }

    private void disableEmail(Context ctx) {
        var s = page.posted(ctx, true);
        if (s.isEmpty()) return;
        try {
            mfa.disableEmail(s.get().userId(), page.web().info(ctx));
        } catch (Problem p) {
            page.refused(ctx, s.get(), p);
            return;
        }
        page.done(ctx, "email_disabled");
    }

    /** Backup codes on this response only (no-store): they are never shown again. */
    private void showCodes(Context ctx, List<String> codes, String noticeKey) {
        page.send(ctx, 200, AccountPage.backupCodesShown(Messages.of(ctx), page.form(ctx, noticeKey, null), codes));
    }

    private static String code(Context ctx) {
        String code = ctx.formParam("code");
        if (code == null || code.isBlank() || code.length() > 40) return null;
        return code.trim();
    }
}
