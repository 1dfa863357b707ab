package dev.gatehouse.account;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.login.SsoSession;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Validator;
import dev.gatehouse.webauthn.WebAuthnRoutes;
import dev.gatehouse.webauthn.WebAuthnService;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Passkeys and security keys on the account page. Registering needs {@code navigator.credentials.create}, so the page's
 * script ({@code passkeys.js}, same origin, no inline code) fetches the options from {@code passkeys/begin} and posts
 * {@code PublicKeyCredential.toJSON()} to {@code passkeys/finish}; both are JSON, carry the page's CSRF token in
 * {@code X-CSRF-Token}, and answer RFC 9457 problems (401 {@code login_required} when the browser must sign in again).
 * Renaming and removing are plain forms. {@link WebAuthnService} verifies, stores and audits, as for the API.
 */
final class AccountPasskeyRoutes implements RouteGroup {
    private static final String P = AccountPage.PATH + "/passkeys";
    private static final String SCRIPT = script();

    private final AccountSecurityRoutes page;
    private final WebAuthnService webauthn;

    AccountPasskeyRoutes(AccountSecurityRoutes page, WebAuthnService webauthn) {
        this.page = page;
        this.webauthn = webauthn;
    }

    @Override
    public void routes(Api api) {
        api.get(
                        P + ".js",
                        ctx -> ctx.contentType("text/javascript; charset=utf-8").result(SCRIPT))
                .tag("pages")
                .summary("Account page: the script that registers a passkey")
                .returns(200, "JavaScript");
        api.post(P + "/begin", this::begin)
                .tag("pages")
                .summary(
                        "Account page: creation options for navigator.credentials.create (CSRF header, recent sign-in)")
                .returns(200, WebAuthnRoutes.OptionsResponse.class)
                .returns(401, "not signed in (recently): sign in again")
                .returns(403, "the CSRF token did not match, or the browser called the post cross-site")
                .returns(409, "too many credentials");
        api.post(P + "/finish", this::finish)
                .tag("pages")
                .summary("Account page: register the PublicKeyCredential.toJSON() of navigator.credentials.create")
                .body(WebAuthnRoutes.RegistrationFinish.class)
                .returns(201, WebAuthnService.CredentialView.class)
                .returns(400, "invalid response, unknown or used challenge, or failed verification")
                .returns(401, "not signed in (recently): sign in again")
                .returns(403, "the CSRF token did not match, or the browser called the post cross-site");
        AccountFactorRoutes.post(api, "/passkeys/{id}/rename", this::rename, "Rename a passkey", "renamed");
        AccountFactorRoutes.post(
                api, "/passkeys/{id}/delete", this::delete, "Remove a passkey (recent sign-in)", "removed");
    }

    /** The JSON calls' guard: an SSO session of a recent sign-in and the CSRF header. */
    private SsoSession caller(Context ctx) {
        var s = page.session(ctx);
        if (s.isEmpty() || !page.recent(s.get()))
            throw new Problem(401, "login_required", "Unauthorized", "Sign in again to add a passkey", null);
        if (!page.csrfMatches(ctx, ctx.header("X-CSRF-Token")))
            throw new Problem(403, "csrf_mismatch", "Forbidden", "The page expired; reload it", null);
        return s.get();
    }

    private void begin(Context ctx) {
        SsoSession s = caller(ctx);
        page.web().limit(ctx, AccountSecurityRoutes.PASSKEY, s.userId().toString());
        try {
            page.web().json(ctx, 200, page.web().mapper().readTree(webauthn.beginRegistration(s.userId())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the library wrote invalid JSON", e);
        }
    }

    private void finish(Context ctx) {
        SsoSession s = caller(ctx);
        var body = WebAuthnRoutes.credential(page.web().body(ctx, JsonNode.class));
        JsonNode nameNode = body.remove("name");
        if (nameNode != null && !nameNode.isNull() && !nameNode.isTextual())
            throw Problem.invalidField("name", "must be a string");
        String name = nameNode == null || nameNode.isNull() ? null : nameNode.asText();
        new Validator().optionalText("name", name, WebAuthnService.MAX_NAME).throwIfInvalid();
        page.web().limit(ctx, AccountSecurityRoutes.PASSKEY, s.userId().toString());
        page.web()
                .json(
                        ctx,
                        201,
                        webauthn.finishRegistration(
                                s.userId(), body.toString(), name, page.web().info(ctx)));
    }

    private void rename(Context ctx) {
        var s = page.posted(ctx, false);
        if (s.isEmpty()) return;
        String name = ctx.formParam("name");
        // As the API's rename checks it: no control characters (a NUL fails on PostgreSQL), line separators or
        // broken Unicode.
        if (name == null
                || name.isBlank()
                || Validator.textProblem(name.strip(), WebAuthnService.MAX_NAME).isPresent()) {
            page.overview(ctx, s.get(), 400, null, "account.error.name");
            return;
        }
        try {
            var unused =
                    webauthn.rename(s.get().userId(), id(ctx), name, page.web().info(ctx));
        } catch (Problem p) {
            page.refused(ctx, s.get(), p);
            return;
        }
        page.done(ctx, "passkey_renamed");
    }

    private void delete(Context ctx) {
        var s = page.posted(ctx, true);
        if (s.isEmpty()) return;
        try {
            webauthn.delete(s.get().userId(), id(ctx), page.web().info(ctx));
        } catch (Problem p) {
            page.refused(ctx, s.get(), p);
            return;
        }
        page.done(ctx, "passkey_deleted");
    }

    private static UUID id(Context ctx) {
        try {
            return UUID.fromString(ctx.pathParam("id"));
        } catch (IllegalArgumentException e) {
            throw Problem.notFound("The credential");
        }
    }

    private static String script() {
        try (var in = AccountPasskeyRoutes.class.getResourceAsStream("/account/passkeys.js")) {
            if (in == null) throw new IllegalStateException("account/passkeys.js is missing from the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
