package dev.gatehouse.webauthn;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.auth.AuthRoutes;
import dev.gatehouse.auth.AuthRoutes.LoginResponse;
import dev.gatehouse.auth.RecentSignIn;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Validator;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.ratelimit.RateLimiter.Rule;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Seed 004's WebAuthn endpoints (register, list, delete; plus rename) and passwordless passkey sign-in (seed 003's
 * passkeys router as {@code /v1/auth/passkeys/login/*}). Begin calls answer the W3C
 * {@code PublicKeyCredentialCreationOptionsJSON} / {@code PublicKeyCredentialRequestOptionsJSON} in a {@code publicKey}
 * wrapper (what {@code PublicKeyCredential.parseCreationOptionsFromJSON} takes); finish calls take what
 * {@code PublicKeyCredential.toJSON()} produces, so its camelCase field names are kept as they are.
 */
public final class WebAuthnRoutes implements RouteGroup {
    static final Rule BEGIN = new Rule("webauthn-begin", 30, Duration.ofMinutes(15));
    static final Rule FINISH = new Rule("webauthn-finish", 30, Duration.ofMinutes(15));

    /** What {@code PublicKeyCredential.toJSON()} produces (documentation; the body is read as JSON). */
    public record PublicKeyCredentialJson(
            String id,
            @JsonProperty("rawId") String rawId,
            String type,
            Map<String, Object> response,
            @JsonProperty("authenticatorAttachment") String authenticatorAttachment,
            @JsonProperty("clientExtensionResults") Map<String, Object> clientExtensionResults) {}

    /** A registration response plus the name to give the credential (optional). */
    public record RegistrationFinish(
            String id,
            @JsonProperty("rawId") String rawId,
            String type,
            Map<String, Object> response,
            @JsonProperty("authenticatorAttachment") String authenticatorAttachment,
            @JsonProperty("clientExtensionResults") Map<String, Object> clientExtensionResults,
            String name) {}

    /** A pending login's token, to begin its WebAuthn second factor. */
    public record MfaTokenRequest(String mfaToken) {}

    /** What {@code PublicKeyCredential.toJSON()} produces plus the pending login's {@code mfa_token}. */
    public record MfaAssertion(
            String mfaToken,
            String id,
            @JsonProperty("rawId") String rawId,
            String type,
            Map<String, Object> response,
            @JsonProperty("authenticatorAttachment") String authenticatorAttachment,
            @JsonProperty("clientExtensionResults") Map<String, Object> clientExtensionResults) {}

    /** The options for navigator.credentials.create/get: W3C JSON (base64url) under {@code publicKey}. */
    public record OptionsResponse(@JsonProperty("publicKey") Map<String, Object> publicKey) {}

    public record CredentialList(List<WebAuthnService.CredentialView> credentials) {}

    public record CredentialRef(String id) {}

    public record RenameRequest(String name) {}

    private final WebAuthnService webauthn;
    private final PasskeyAuthentication passkeys;
    private final Web web;
    private final boolean secureCookies;
    private final RecentSignIn recentSignIn;

    public WebAuthnRoutes(WebAuthnService webauthn, Web web, boolean secureCookies, RecentSignIn recentSignIn) {
        this.webauthn = webauthn;
        this.passkeys = webauthn.passkeys();
        this.web = web;
        this.secureCookies = secureCookies;
        this.recentSignIn = recentSignIn;
    }

    @Override
    public void routes(Api api) {
        api.post("/v1/auth/mfa/webauthn/register/begin", this::registerBegin)
                .tag("webauthn")
                .summary("Begin registering a security key or passkey (recent sign-in)")
                .bearer()
                .returns(401, RecentSignIn.REFUSAL)
                .returns(200, OptionsResponse.class)
                .returns(409, "too many credentials");
        api.post("/v1/auth/mfa/webauthn/register/finish", this::registerFinish)
                .tag("webauthn")
                .summary("Finish registering: the PublicKeyCredential.toJSON() of navigator.credentials.create()")
                .bearer()
                .body(RegistrationFinish.class)
                .returns(201, WebAuthnService.CredentialView.class)
                .returns(400, "invalid response, unknown or used challenge, or failed verification")
                .returns(409, "credential already registered");
        api.get("/v1/auth/mfa/webauthn/credentials", this::list)
                .tag("webauthn")
                .summary("The user's security keys and passkeys")
                .bearer()
                .returns(200, CredentialList.class);
        api.delete("/v1/auth/mfa/webauthn/credentials", this::deleteByBody)
                .tag("webauthn")
                .summary("Delete a credential named in the body (recent sign-in)")
                .bearer()
                .returns(401, RecentSignIn.REFUSAL)
                .body(CredentialRef.class)
                .returns(204, "deleted")
                .returns(404, "no such credential");
        api.patch("/v1/auth/mfa/webauthn/credentials/{id}", this::rename)
                .tag("webauthn")
                .summary("Rename a credential")
                .bearer()
                .body(RenameRequest.class)
                .returns(200, WebAuthnService.CredentialView.class)
                .returns(404, "no such credential");
        api.delete("/v1/auth/mfa/webauthn/credentials/{id}", this::deleteById)
                .tag("webauthn")
                .summary("Delete a credential (recent sign-in)")
                .bearer()
                .returns(401, RecentSignIn.REFUSAL)
                .returns(204, "deleted")
                .returns(404, "no such credential");
        api.post("/v1/auth/login/mfa/webauthn/begin", this::mfaBegin)
                .tag("webauthn")
                .summary("Begin the WebAuthn second factor of a pending sign-in")
                .body(MfaTokenRequest.class)
                .returns(200, OptionsResponse.class)
                .returns(401, "invalid mfa_token")
                .returns(409, "no credential registered")
                .returns(429, "rate limited");
        api.post("/v1/auth/login/mfa/webauthn/finish", this::mfaFinish)
                .tag("webauthn")
                .summary("Complete a pending sign-in with a security key: PublicKeyCredential.toJSON() plus mfa_token")
                .body(MfaAssertion.class)
                .returns(200, LoginResponse.class)
                .returns(400, "invalid response, or unknown or used challenge")
                .returns(401, "invalid mfa_token or assertion refused")
                .returns(429, "rate limited");
        api.post("/v1/auth/passkeys/login/begin", this::loginBegin)
                .tag("webauthn")
                .summary("Begin a passwordless sign-in with a passkey (discoverable credential)")
                .returns(200, OptionsResponse.class)
                .returns(429, "rate limited");
        api.post("/v1/auth/passkeys/login/finish", this::loginFinish)
                .tag("webauthn")
                .summary("Finish a passkey sign-in: the PublicKeyCredential.toJSON() of navigator.credentials.get()")
                .body(PublicKeyCredentialJson.class)
                .returns(200, LoginResponse.class)
                .returns(400, "invalid response, or unknown or used challenge")
                .returns(401, "assertion refused")
                .returns(429, "rate limited");
    }

    private void registerBegin(Context ctx) {
        Principal p = web.principal(ctx);
        recentSignIn.require(p);
        web.limit(ctx, BEGIN, p.userId().toString());
        raw(ctx, 200, webauthn.beginRegistration(p.userId()));
    }

    private void registerFinish(Context ctx) {
        Principal p = web.principal(ctx);
        ObjectNode body = credentialBody(ctx);
        String name = textField(body, "name");
        new Validator().optionalText("name", name, WebAuthnService.MAX_NAME).throwIfInvalid();
        body.remove("name");
        web.limit(ctx, FINISH, p.userId().toString());
        web.json(ctx, 201, webauthn.finishRegistration(p.userId(), body.toString(), name, web.info(ctx)));
    }

    private void list(Context ctx) {
        Principal p = web.principal(ctx);
        web.ok(ctx, new CredentialList(webauthn.list(p.userId())));
    }

    private void deleteByBody(Context ctx) {
        Principal p = web.principal(ctx);
        recentSignIn.require(p);
        var r = web.body(ctx, CredentialRef.class);
        new Validator().text("id", r.id(), 36).throwIfInvalid();
        UUID id;
        try {
            id = UUID.fromString(r.id());
        } catch (IllegalArgumentException e) {
            throw Problem.invalidField("id", "must be a credential id (UUID)");
        }
        webauthn.delete(p.userId(), id, web.info(ctx));
        ctx.status(204);
    }

    private void deleteById(Context ctx) {
        Principal p = web.principal(ctx);
        recentSignIn.require(p);
        webauthn.delete(p.userId(), web.uuidPath(ctx, "id"), web.info(ctx));
        ctx.status(204);
    }

    private void rename(Context ctx) {
        Principal p = web.principal(ctx);
        UUID id = web.uuidPath(ctx, "id");
        var r = web.body(ctx, RenameRequest.class);
        new Validator()
                .text("name", r.name(), WebAuthnService.MAX_NAME)
                .check(r.name() == null || !r.name().isBlank(), "name", "must not be blank")
                .throwIfInvalid();
        web.ok(ctx, webauthn.rename(p.userId(), id, r.name(), web.info(ctx)));
    }

    private void loginBegin(Context ctx) {
        web.limit(ctx, BEGIN);
        raw(ctx, 200, passkeys.beginPasskeyLogin());
    }

    private void loginFinish(Context ctx) {
        ObjectNode body = credentialBody(ctx);
        web.limit(ctx, FINISH);
        AuthRoutes.respond(ctx, web, secureCookies, passkeys.finishPasskeyLogin(body.toString(), web.info(ctx)));
    }

    private void mfaBegin(Context ctx) {
        var r = web.body(ctx, MfaTokenRequest.class);
        new Validator().text("mfa_token", r.mfaToken(), 100).throwIfInvalid();
        web.limit(ctx, BEGIN);
        raw(ctx, 200, passkeys.beginSecondFactor(r.mfaToken()));
    }

    private void mfaFinish(Context ctx) {
        ObjectNode body = credentialBody(ctx);
        String mfaToken = textField(body, "mfa_token");
        new Validator().text("mfa_token", mfaToken, 100).throwIfInvalid();
        body.remove("mfa_token");
        web.limit(ctx, FINISH);
        AuthRoutes.respond(
                ctx, web, secureCookies, passkeys.finishSecondFactor(mfaToken, body.toString(), web.info(ctx)));
    }

    /**
     * The body as a JSON object with the shape of {@code PublicKeyCredential.toJSON()} checked field by field (422
     * naming the field), leaving the cryptographic checks to the library.
     */
    ObjectNode credentialBody(Context ctx) {
        return credential(web.body(ctx, JsonNode.class));
    }

    /**
     * A parsed {@code PublicKeyCredential.toJSON()} checked for its shape (a {@link Problem} naming the field otherwise)
     * and normalised for the library; shared with the hosted login's pages, which receive it in a form field.
     */
    public static ObjectNode credential(JsonNode node) {
        if (!(node instanceof ObjectNode body)) {
            throw Problem.badRequest("malformed_json", "The body must be a JSON object");
        }
        var v = new Validator();
        v.text("id", textField(body, "id"), 1400)
                .text("type", textField(body, "type"), 32)
                .optionalText("rawId", textField(body, "rawId"), 1400)
                .optionalText("authenticatorAttachment", textField(body, "authenticatorAttachment"), 32);
        JsonNode response = body.get("response");
        v.check(response != null && !response.isNull(), "response", "is required");
        v.check(response == null || response.isNull() || response.isObject(), "response", "must be an object");
        JsonNode ext = body.get("clientExtensionResults");
        v.check(ext == null || ext.isNull() || ext.isObject(), "clientExtensionResults", "must be an object");
        v.throwIfInvalid();
        // Yubico's parser wants the member; toJSON() always has it, hand-written clients may leave it out.
        if (ext == null || ext.isNull()) body.putObject("clientExtensionResults");
        if (body.get("authenticatorAttachment") != null
                && body.get("authenticatorAttachment").isNull()) body.remove("authenticatorAttachment");
        return body;
    }

    /** A member that must be a string when present; 422 naming it otherwise. */
    private static String textField(ObjectNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw Problem.invalidField(field, "must be a string");
        return n.asText();
    }

    private void raw(Context ctx, int status, String json) {
        try {
            web.json(ctx, status, web.mapper().readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the library wrote invalid JSON", e);
        }
    }
}
