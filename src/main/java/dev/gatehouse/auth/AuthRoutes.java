package dev.gatehouse.auth;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.MailedLinks;
import dev.gatehouse.accounts.PasswordPolicy;
import dev.gatehouse.accounts.User;
import dev.gatehouse.accounts.UserView;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Validator;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.ratelimit.RateLimiter.Rule;
import io.javalin.http.Context;
import java.time.Duration;

/** The /v1/auth account API of seed 004, path for path. */
public final class AuthRoutes implements RouteGroup {
    // Seed 004's table: register 5/h, login 10/15min, magic-link 3/h, forgot-password 5/h, refresh 100/15min.
    public static final Rule REGISTER = new Rule("register", 5, Duration.ofHours(1));
    static final Rule LOGIN = new Rule("login", 10, Duration.ofMinutes(15));
    public static final Rule MAGIC_LINK = new Rule("magic-link", 3, Duration.ofHours(1));
    public static final Rule FORGOT_PASSWORD = new Rule("forgot-password", 5, Duration.ofHours(1));
    static final Rule REFRESH = new Rule("refresh", 100, Duration.ofMinutes(15));
    public static final Rule SEND_VERIFICATION = new Rule("send-verification", 5, Duration.ofHours(1));
    public static final Rule CHANGE_PASSWORD = new Rule("change-password", 10, Duration.ofMinutes(15));
    public static final Rule TOKEN_REDEEM = new Rule("token-redeem", 20, Duration.ofMinutes(15));

    public record RegisterRequest(String email, String password, String firstName, String lastName) {}

    public record LoginRequest(String email, String password) {}

    public record RefreshRequest(String refreshToken) {}

    public record TokenRequest(String token) {}

    public record EmailRequest(String email) {}

    public record ResetPasswordRequest(String token, String newPassword) {}

    public record ChangePasswordRequest(String currentPassword, String newPassword) {}

    public record MagicLinkVerifyRequest(String token, Boolean allowRegistration) {}

    public record LogoutRequest(String refreshToken) {}

    public record LoginResponse(UserView user, AuthService.Tokens tokens, String deviceId) {}

    /** The answer when a second factor is due: complete it at /v1/auth/login/mfa* with the mfa_token. */
    public record MfaRequiredResponse(
            boolean mfaRequired,
            String mfaToken,
            java.util.List<String> methods,
            boolean mfaSetupRequired,
            String deviceId) {}

    public record TokensResponse(AuthService.Tokens tokens) {}

    public record Message(String message) {}

    public record VerifiedResponse(String message, UserView user) {}

    public record RevokedResponse(String message, int revoked) {}

    public record PasswordStatus(boolean passwordChangeRequired, java.time.Instant passwordChangedAt) {}

    public record Settings(
            boolean registrationEnabled,
            boolean emailVerificationRequired,
            boolean magicLinkEnabled,
            boolean mfaEnabled,
            PasswordRules passwordPolicy) {}

    public record PasswordRules(int minLength, int maxLength, boolean strengthCheck) {}

    private final AuthService auth;
    private final AccountService accounts;
    private final MailedLinks mailed;
    private final Web web;
    private final boolean secureCookies;

    public AuthRoutes(AuthService auth, AccountService accounts, MailedLinks mailed, Web web, boolean secureCookies) {
        this.auth = auth;
        this.accounts = accounts;
        this.mailed = mailed;
        this.web = web;
        this.secureCookies = secureCookies;
    }

    @Override
    public void routes(Api api) {
        api.post("/v1/auth/register", this::register)
                .tag("auth")
                .summary("Register a new account")
                .body(RegisterRequest.class)
                .returns(202, Message.class)
                .returns(422, "invalid fields")
                .returns(429, "rate limited");
        api.post("/v1/auth/login", this::login)
                .tag("auth")
                .summary(
                        "Sign in with email and password; answers mfa_required and an mfa_token when a second factor is due")
                .body(LoginRequest.class)
                .returns(200, LoginResponse.class)
                .returns(401, "invalid credentials")
                .returns(429, "rate limited");
        api.post("/v1/auth/refresh", this::refresh)
                .tag("auth")
                .summary("Rotate a refresh token")
                .body(RefreshRequest.class)
                .returns(200, TokensResponse.class)
                .returns(401, "invalid refresh token");
        api.post("/v1/auth/logout", this::logout)
                .tag("auth")
                .summary("End the current session")
                .bearer()
                .returns(204, "signed out");
        api.get("/v1/auth/me", this::me)
                .tag("auth")
                .summary("The signed-in user")
                .bearer()
                .returns(200, UserView.class);
        api.get("/v1/auth/settings", this::settings)
                .tag("auth")
                .summary("Public authentication settings")
                .returns(200, Settings.class);
        api.post("/v1/auth/send-verification", this::sendVerification)
                .tag("auth")
                .summary("Mail a verification link")
                .bearer()
                .returns(202, Message.class)
                .returns(409, "already verified");
        api.post("/v1/auth/verify-email", this::verifyEmail)
                .tag("auth")
                .summary("Verify an email address with its token")
                .body(TokenRequest.class)
                .returns(200, VerifiedResponse.class)
                .returns(400, "invalid token");
        api.post("/v1/auth/forgot-password", this::forgotPassword)
                .tag("auth")
                .summary("Mail a password reset link")
                .body(EmailRequest.class)
                .returns(202, Message.class);
        api.post("/v1/auth/reset-password", this::resetPassword)
                .tag("auth")
                .summary("Set a new password with a reset token")
                .body(ResetPasswordRequest.class)
                .returns(200, Message.class)
                .returns(400, "invalid token");
        api.post("/v1/auth/change-password", this::changePassword)
                .tag("auth")
                .summary("Change the password")
                .bearer()
                .body(ChangePasswordRequest.class)
                .returns(200, Message.class);
        api.get("/v1/auth/password-status", this::passwordStatus)
                .tag("auth")
                .summary("Whether the user must change the password")
                .bearer()
                .returns(200, PasswordStatus.class);
        api.post("/v1/auth/magic-link/send", this::sendMagicLink)
                .tag("auth")
                .summary("Mail a sign-in link")
                .body(EmailRequest.class)
                .returns(202, Message.class);
        api.post("/v1/auth/magic-link/verify", this::verifyMagicLink)
                .tag("auth")
                .summary("Sign in with a magic link")
                .body(MagicLinkVerifyRequest.class)
                .returns(200, LoginResponse.class)
                .returns(400, "invalid token");
        api.post("/v1/auth/revoke-all-sessions", this::revokeAll)
                .tag("auth")
                .summary("End every session of the user, browser sign-ins included")
                .bearer()
                .returns(200, RevokedResponse.class);
    }

    private void register(Context ctx) {
        var r = web.body(ctx, RegisterRequest.class);
        new Validator()
                .email("email", r.email())
                .text("password", r.password(), PasswordPolicy.MAX_LENGTH)
                .optionalText("first_name", r.firstName(), 100)
                .optionalText("last_name", r.lastName(), 100)
                .throwIfInvalid();
        web.limit(ctx, REGISTER);
        accounts.register(r.email(), r.password(), r.firstName(), r.lastName(), web.info(ctx));
        web.json(
                ctx,
                202,
                new Message("Registration received. Check your email to confirm your address, then sign in."));
    }

    private void login(Context ctx) {
        var r = web.body(ctx, LoginRequest.class);
        new Validator()
                .email("email", r.email())
                .text("password", r.password(), 1024)
                .throwIfInvalid();
        web.limit(ctx, LOGIN, User.normalize(r.email()));
        respond(ctx, web, secureCookies, auth.login(r.email(), r.password(), web.info(ctx)));
    }

    /**
     * Answers a sign-in: the user and tokens, or the pending second factor. Either way the device cookie is set, so a
     * browser keeps the device id the pending login is bound to.
     */
    public static void respond(Context ctx, Web web, boolean secureCookies, AuthService.LoginResult result) {
        String deviceId = switch (result) {
            case AuthService.SignedIn s -> s.deviceId();
            case AuthService.MfaPending p -> p.deviceId();
        };
        Web.deviceCookie(secureCookies)
                .set(ctx, deviceId, (int) Duration.ofDays(400).toSeconds());
        switch (result) {
            case AuthService.SignedIn s -> web.ok(ctx, new LoginResponse(UserView.of(s.user()), s.tokens(), deviceId));
            case AuthService.MfaPending p ->
                web.ok(
                        ctx,
                        new MfaRequiredResponse(
                                true,
                                p.required().mfaToken(),
                                p.required().methods(),
                                p.required().setupRequired(),
                                deviceId));
        }
    }

    private void refresh(Context ctx) {
        var r = web.body(ctx, RefreshRequest.class);
        new Validator().text("refresh_token", r.refreshToken(), 200).throwIfInvalid();
        web.limit(ctx, REFRESH);
        web.ok(ctx, new TokensResponse(auth.refresh(r.refreshToken(), web.info(ctx))));
    }

    private void logout(Context ctx) {
        Principal p = web.principal(ctx);
        auth.logout(p.userId(), p.sessionId(), web.info(ctx));
        ctx.status(204);
    }

    private void me(Context ctx) {
        Principal p = web.principal(ctx);
        web.ok(ctx, UserView.of(accounts.find(p.userId()).orElseThrow(() -> Problem.notFound("The user"))));
    }

    private void settings(Context ctx) {
        web.ok(
                ctx,
                new Settings(
                        accounts.registrationEnabled(),
                        auth.requireVerifiedEmail(),
                        true,
                        true,
                        new PasswordRules(PasswordPolicy.MIN_LENGTH, PasswordPolicy.MAX_LENGTH, true)));
    }

    private void sendVerification(Context ctx) {
        Principal p = web.principal(ctx);
        web.limit(ctx, SEND_VERIFICATION, p.userId().toString());
        mailed.sendVerification(p.userId(), web.info(ctx));
        web.json(ctx, 202, new Message("Verification email sent."));
    }

    private void verifyEmail(Context ctx) {
        var r = web.body(ctx, TokenRequest.class);
        new Validator().text("token", r.token(), 200).throwIfInvalid();
        web.limit(ctx, TOKEN_REDEEM);
        User u = mailed.verifyEmail(r.token(), web.info(ctx));
        web.ok(ctx, new VerifiedResponse("Email address verified.", UserView.of(u)));
    }

    private void forgotPassword(Context ctx) {
        var r = web.body(ctx, EmailRequest.class);
        new Validator().email("email", r.email()).throwIfInvalid();
        web.limit(ctx, FORGOT_PASSWORD, User.normalize(r.email()));
        mailed.forgotPassword(r.email(), web.info(ctx));
        web.json(ctx, 202, new Message("If an account uses this address, a reset link is on its way."));
    }

    private void resetPassword(Context ctx) {
        var r = web.body(ctx, ResetPasswordRequest.class);
        new Validator()
                .text("token", r.token(), 200)
                .text("new_password", r.newPassword(), PasswordPolicy.MAX_LENGTH)
                .throwIfInvalid();
        web.limit(ctx, TOKEN_REDEEM);
        mailed.resetPassword(r.token(), r.newPassword(), web.info(ctx));
        web.ok(ctx, new Message("Password reset. Sign in with the new password."));
    }

    private void changePassword(Context ctx) {
        Principal p = web.principal(ctx);
        var r = web.body(ctx, ChangePasswordRequest.class);
        new Validator()
                .text("current_password", r.currentPassword(), 1024)
                .text("new_password", r.newPassword(), PasswordPolicy.MAX_LENGTH)
                .throwIfInvalid();
        web.limit(ctx, CHANGE_PASSWORD, p.userId().toString());
        accounts.changePassword(p.userId(), p.sessionId(), r.currentPassword(), r.newPassword(), web.info(ctx));
        web.ok(ctx, new Message("Password changed. Your other sessions were signed out."));
    }

    private void passwordStatus(Context ctx) {
        Principal p = web.principal(ctx);
        User u = accounts.find(p.userId()).orElseThrow(() -> Problem.notFound("The user"));
        web.ok(ctx, new PasswordStatus(u.passwordChangeRequired(), u.passwordChangedAt()));
    }

    private void sendMagicLink(Context ctx) {
        var r = web.body(ctx, EmailRequest.class);
        new Validator().email("email", r.email()).throwIfInvalid();
        web.limit(ctx, MAGIC_LINK, User.normalize(r.email()));
        mailed.sendMagicLink(r.email(), web.info(ctx));
        web.json(ctx, 202, new Message("If this address can sign in, a link is on its way."));
    }

    private void verifyMagicLink(Context ctx) {
        var r = web.body(ctx, MagicLinkVerifyRequest.class);
        new Validator().text("token", r.token(), 200).throwIfInvalid();
        web.limit(ctx, TOKEN_REDEEM);
        boolean allow = Boolean.TRUE.equals(r.allowRegistration());
        respond(ctx, web, secureCookies, auth.loginWithMagicLink(r.token(), allow, web.info(ctx)));
    }

    private void revokeAll(Context ctx) {
        Principal p = web.principal(ctx);
        int n = auth.revokeAll(p.userId(), web.info(ctx));
        web.ok(ctx, new RevokedResponse("All sessions were ended.", n));
    }
}
