package dev.gatehouse.mfa;

import dev.gatehouse.auth.AuthRoutes;
import dev.gatehouse.auth.RecentSignIn;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Validator;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.ratelimit.RateLimiter.Rule;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.List;

/** Seed 004's MFA, backup-code and email-MFA routes, and the /v1/auth/login/mfa* calls that complete a sign-in. */
public final class MfaRoutes implements RouteGroup {
    // Each mfa_token also dies after 5 wrong codes; these limits stop spraying many tokens from one address.
    static final Rule LOGIN_MFA = new Rule("login-mfa", 20, Duration.ofMinutes(15));
    static final Rule MFA_EMAIL_SEND = new Rule("mfa-email-send", 5, Duration.ofMinutes(15));
    static final Rule MFA_CODE = new Rule("mfa-code", 10, Duration.ofMinutes(15));

    public record MfaCodeRequest(String mfaToken, String code) {}

    public record MfaTokenRequest(String mfaToken) {}

    public record CodeRequest(String code) {}

    public record PreferredRequest(String method) {}

    public record EnabledResponse(String message, List<String> backupCodes) {}

    public record BackupCodesResponse(List<String> backupCodes) {}

    public record CountResponse(int count) {}

    public record Message(String message) {}

    private final MfaService mfa;
    private final MfaFactors factors;
    private final Web web;
    private final boolean secureCookies;
    private final RecentSignIn recentSignIn;

    public MfaRoutes(MfaService mfa, MfaFactors factors, Web web, boolean secureCookies, RecentSignIn recentSignIn) {
        this.mfa = mfa;
        this.factors = factors;
        this.web = web;
        this.secureCookies = secureCookies;
        this.recentSignIn = recentSignIn;
    }

    @Override
    public void routes(Api api) {
        api.post("/v1/auth/login/mfa", this::loginTotp)
                .tag("mfa")
                .summary("Complete a sign-in with a TOTP code")
                .body(MfaCodeRequest.class)
                .returns(200, AuthRoutes.LoginResponse.class)
                .returns(401, "invalid mfa_token or code");
        api.post("/v1/auth/login/mfa/setup", this::setupDuringLogin)
                .tag("mfa")
                .summary("Start TOTP enrolment for a sign-in that policy holds back (mfa_setup_required)")
                .body(MfaTokenRequest.class)
                .returns(200, MfaFactors.Setup.class)
                .returns(401, "invalid mfa_token")
                .returns(409, "the user already has a factor");
        api.post("/v1/auth/login/mfa/backup", this::loginBackup)
                .tag("mfa")
                .summary("Complete a sign-in with a backup code")
                .body(MfaCodeRequest.class)
                .returns(200, AuthRoutes.LoginResponse.class)
                .returns(401, "invalid mfa_token or code");
        api.post("/v1/auth/login/mfa/email/send", this::sendEmail)
                .tag("mfa")
                .summary("Mail a 6-digit sign-in code for a pending sign-in")
                .body(MfaTokenRequest.class)
                .returns(202, Message.class)
                .returns(401, "invalid mfa_token")
                .returns(409, "email codes not enabled")
                .returns(429, "too many codes sent");
        api.post("/v1/auth/login/mfa/email", this::loginEmail)
                .tag("mfa")
                .summary("Complete a sign-in with a mailed code")
                .body(MfaCodeRequest.class)
                .returns(200, AuthRoutes.LoginResponse.class)
                .returns(401, "invalid mfa_token or code");
        api.get("/v1/auth/mfa/status", this::status)
                .tag("mfa")
                .summary("The caller's second factors")
                .bearer()
                .returns(200, MfaFactors.Status.class);
        api.post("/v1/auth/mfa/setup", this::setup)
                .tag("mfa")
                .summary("Start TOTP enrolment: secret, otpauth:// URL and QR code (recent sign-in)")
                .bearer()
                .returns(401, RecentSignIn.REFUSAL)
                .returns(200, MfaFactors.Setup.class)
                .returns(409, "TOTP already enabled");
        api.post("/v1/auth/mfa/enable", this::enable)
                .tag("mfa")
                .summary("Enable TOTP with a code from the app; answers backup codes once")
                .bearer()
                .body(CodeRequest.class)
                .returns(200, EnabledResponse.class)
                .returns(400, "wrong code")
                .returns(409, "not set up or already enabled")
                .returns(429, "too many codes tried on the account (MfaService.ACCOUNT_ATTEMPTS) or from here");
        api.post("/v1/auth/mfa/disable", this::disable)
                .tag("mfa")
                .summary("Disable TOTP with a current TOTP or backup code")
                .bearer()
                .body(CodeRequest.class)
                .returns(200, Message.class)
                .returns(400, "wrong code")
                .returns(409, "TOTP not enabled")
                .returns(429, "too many codes tried on the account (MfaService.ACCOUNT_ATTEMPTS) or from here");
        api.post("/v1/auth/mfa/backup-codes", this::backupCodes)
                .tag("mfa")
                .summary("A new set of 10 backup codes (the old set stops working; recent sign-in)")
                .bearer()
                .returns(401, RecentSignIn.REFUSAL)
                .returns(200, BackupCodesResponse.class)
                .returns(409, "no second factor enabled");
        api.get("/v1/auth/mfa/backup-codes/count", this::backupCount)
                .tag("mfa")
                .summary("How many backup codes are left")
                .bearer()
                .returns(200, CountResponse.class);
        api.post("/v1/auth/mfa/preferred", this::preferred)
                .tag("mfa")
                .summary("Set the method offered first at sign-in")
                .bearer()
                .body(PreferredRequest.class)
                .returns(200, MfaFactors.Status.class)
                .returns(422, "not an enabled method");
        api.post("/v1/auth/mfa/email/enable", this::enableEmail)
                .tag("mfa")
                .summary("Enable mailed sign-in codes (verified address required; recent sign-in)")
                .bearer()
                .returns(401, RecentSignIn.REFUSAL)
                .returns(200, EnabledResponse.class)
                .returns(409, "address not verified or already enabled");
        api.post("/v1/auth/mfa/email/disable", this::disableEmail)
                .tag("mfa")
                .summary("Disable mailed sign-in codes (recent sign-in)")
                .bearer()
                .returns(401, RecentSignIn.REFUSAL)
                .returns(200, Message.class)
                .returns(409, "not enabled");
        api.get("/v1/admin/users/{id}/mfa", this::adminStatus)
                .tag("admin")
                .summary("A user's second factors (users:read)")
                .bearer()
                .returns(200, MfaFactors.Status.class)
                .returns(403, "missing permission")
                .returns(404, "no such user");
        api.delete("/v1/admin/users/{id}/mfa", this::adminReset)
                .tag("admin")
                .summary(
                        "Remove every second factor and trusted device of a user (users:write, recent sign-in; audited)")
                .bearer()
                .returns(401, RecentSignIn.REFUSAL)
                .returns(204, "reset")
                .returns(403, "missing permission")
                .returns(404, "no such user");
    }

    private MfaCodeRequest codeBody(Context ctx) {
        var r = web.body(ctx, MfaCodeRequest.class);
        new Validator()
                .text("mfa_token", r.mfaToken(), 100)
                .text("code", r.code(), 40)
                .throwIfInvalid();
        web.limit(ctx, LOGIN_MFA);
        return r;
    }

    private void loginTotp(Context ctx) {
        var r = codeBody(ctx);
        AuthRoutes.respond(ctx, web, secureCookies, mfa.completeWithTotp(r.mfaToken(), r.code(), web.info(ctx)));
    }

    private void loginBackup(Context ctx) {
        var r = codeBody(ctx);
        AuthRoutes.respond(ctx, web, secureCookies, mfa.completeWithBackupCode(r.mfaToken(), r.code(), web.info(ctx)));
    }

    private void loginEmail(Context ctx) {
        var r = codeBody(ctx);
        AuthRoutes.respond(ctx, web, secureCookies, mfa.completeWithEmail(r.mfaToken(), r.code(), web.info(ctx)));
    }

    private void setupDuringLogin(Context ctx) {
        var r = web.body(ctx, MfaTokenRequest.class);
        new Validator().text("mfa_token", r.mfaToken(), 100).throwIfInvalid();
        web.limit(ctx, LOGIN_MFA);
        web.ok(ctx, mfa.setupDuringLogin(r.mfaToken(), web.info(ctx)));
    }

    private void adminStatus(Context ctx) {
        web.require(ctx, "users:read");
        web.ok(ctx, factors.statusFor(web.uuidPath(ctx, "id")));
    }

    private void adminReset(Context ctx) {
        Principal p = web.require(ctx, "users:write");
        recentSignIn.require(p); // ADR 0028: a long-refreshed administrator's token alone cannot strip a user's factors
        factors.reset(p.userId(), web.uuidPath(ctx, "id"), web.info(ctx));
        ctx.status(204);
    }

    private void sendEmail(Context ctx) {
        var r = web.body(ctx, MfaTokenRequest.class);
        new Validator().text("mfa_token", r.mfaToken(), 100).throwIfInvalid();
        web.limit(ctx, MFA_EMAIL_SEND);
        mfa.sendEmailCode(r.mfaToken(), web.info(ctx));
        web.json(ctx, 202, new Message("A sign-in code is on its way."));
    }

    private void status(Context ctx) {
        Principal p = web.principal(ctx);
        web.ok(ctx, factors.status(p.userId()));
    }

    private void setup(Context ctx) {
        Principal p = web.principal(ctx);
        recentSignIn.require(p);
        web.ok(ctx, factors.setupTotp(p.userId(), web.info(ctx)));
    }

    private void enable(Context ctx) {
        Principal p = web.principal(ctx);
        var r = web.body(ctx, CodeRequest.class);
        new Validator().text("code", r.code(), 40).throwIfInvalid();
        web.limit(ctx, MFA_CODE, p.userId().toString());
        var codes = factors.enableTotp(p.userId(), r.code(), web.info(ctx));
        web.ok(ctx, new EnabledResponse("TOTP enabled. Keep the backup codes somewhere safe.", codes));
    }

    private void disable(Context ctx) {
        Principal p = web.principal(ctx);
        var r = web.body(ctx, CodeRequest.class);
        new Validator().text("code", r.code(), 40).throwIfInvalid();
        web.limit(ctx, MFA_CODE, p.userId().toString());
        factors.disableTotp(p.userId(), r.code(), web.info(ctx));
        web.ok(ctx, new Message("TOTP disabled."));
    }

    private void backupCodes(Context ctx) {
        Principal p = web.principal(ctx);
        recentSignIn.require(p);
        web.ok(ctx, new BackupCodesResponse(factors.regenerateBackupCodes(p.userId(), web.info(ctx))));
    }

    private void backupCount(Context ctx) {
        Principal p = web.principal(ctx);
        web.ok(ctx, new CountResponse(factors.backupCodesLeft(p.userId())));
    }

    private void preferred(Context ctx) {
        Principal p = web.principal(ctx);
        var r = web.body(ctx, PreferredRequest.class);
        new Validator().text("method", r.method(), 32).throwIfInvalid();
        factors.setPreferred(p.userId(), r.method(), web.info(ctx));
        web.ok(ctx, factors.status(p.userId()));
    }

    private void enableEmail(Context ctx) {
        Principal p = web.principal(ctx);
        recentSignIn.require(p);
        var codes = factors.enableEmail(p.userId(), web.info(ctx));
        web.ok(ctx, new EnabledResponse("Email codes enabled.", codes));
    }

    private void disableEmail(Context ctx) {
        Principal p = web.principal(ctx);
        recentSignIn.require(p);
        factors.disableEmail(p.userId(), web.info(ctx));
        web.ok(ctx, new Message("Email codes disabled."));
    }
}
