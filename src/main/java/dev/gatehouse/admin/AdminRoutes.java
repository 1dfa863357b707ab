package dev.gatehouse.admin;

import com.nimbusds.jose.JWSAlgorithm;
import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.platform.keys.KeyRing;
import dev.gatehouse.platform.keys.SigningKey;
import dev.gatehouse.platform.mail.MailOutbox;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Administrator operations of the foundation: key rotation, the dev mail outbox, forcing a password change. */
public final class AdminRoutes implements RouteGroup {
    /**
     * {@code immediate}: the successor signs at once (a suspected compromise); {@code withdrawPrevious}, with it: the
     * replaced keys leave the JWKS at once too, and the tokens they signed stop verifying (a known compromise).
     */
    public record RotateRequest(String alg, Boolean immediate, Boolean withdrawPrevious) {}

    public record KeyView(
            String kid, String alg, Instant createdAt, Instant activatesAt, Instant expiresAt, String state) {}

    public record KeyList(List<KeyView> keys) {}

    public record OutboxPage(List<MailOutbox.Entry> messages, int limit, int offset, int count) {}

    public record Message(String message) {}

    private final KeyRing keys;
    private final MailOutbox outbox;
    private final AccountService accounts;
    private final AuditLog audit;
    private final Web web;
    private final Clock clock;

    public AdminRoutes(KeyRing keys, MailOutbox outbox, AccountService accounts, AuditLog audit, Web web, Clock clock) {
        this.clock = clock;
        this.keys = keys;
        this.outbox = outbox;
        this.accounts = accounts;
        this.audit = audit;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.get("/v1/admin/keys", this::listKeys)
                .tag("admin")
                .summary("Signing keys and their lifecycle")
                .permission("keys:rotate")
                .returns(200, KeyList.class);
        api.post("/v1/admin/keys/rotate", this::rotate)
                .tag("admin")
                .summary("Rotate a signing key (published now, signs after the overlap unless immediate)")
                .permission("keys:rotate")
                .body(RotateRequest.class)
                .returns(201, KeyView.class);
        api.get("/v1/admin/mail/outbox", this::outbox)
                .tag("admin")
                .summary("Recent outgoing mail: recipient, subject and delivery state; the text only from the dev"
                        + " outbox (no SMTP configured), never while a mail server delivers it")
                .permission("system:read")
                .query("limit", "1-100")
                .query("offset", "default 0")
                .returns(200, OutboxPage.class);
        api.post("/v1/admin/users/{id}/require-password-change", this::requirePasswordChange)
                .tag("admin")
                .summary("Require the user to change the password at next sign-in")
                .permission("users:write")
                .returns(200, Message.class)
                .returns(404, "no such user");
    }

    private void listKeys(Context ctx) {
        web.require(ctx, "keys:rotate");
        Instant now = clock.instant();
        web.ok(ctx, new KeyList(keys.keys().stream().map(k -> view(k, now)).toList()));
    }

    private void rotate(Context ctx) {
        Principal p = web.require(ctx, "keys:rotate");
        RotateRequest r = ctx.bodyAsBytes().length == 0
                ? new RotateRequest(null, null, null)
                : web.body(ctx, RotateRequest.class);
        JWSAlgorithm alg = r.alg() == null ? JWSAlgorithm.ES256 : JWSAlgorithm.parse(r.alg());
        if (!KeyRing.SUPPORTED.contains(alg))
            throw Problem.invalidField("alg", "must be one of ES256, RS256, PS256, EdDSA");
        boolean immediate = Boolean.TRUE.equals(r.immediate());
        boolean withdraw = Boolean.TRUE.equals(r.withdrawPrevious());
        if (withdraw && !immediate)
            throw Problem.invalidField("withdraw_previous", "needs immediate: true (the successor must sign at once)");
        var how = withdraw
                ? KeyRing.Rotation.WITHDRAW_PREVIOUS
                : immediate ? KeyRing.Rotation.IMMEDIATE : KeyRing.Rotation.PLANNED;
        var info = web.info(ctx);
        // The audit record is written in the rotation's transaction: no key changes without its record.
        SigningKey k = keys.rotate(
                alg,
                how,
                (h, key) -> audit.record(
                        h,
                        AuditEvent.success("key.rotated", null)
                                .actor(p.userId())
                                .details(Map.of(
                                        "kid",
                                        key.kid(),
                                        "alg",
                                        alg.getName(),
                                        "rotation",
                                        how.name().toLowerCase(java.util.Locale.ROOT))),
                        info));
        web.json(ctx, 201, view(k, clock.instant()));
    }

    private void outbox(Context ctx) {
        web.require(ctx, "system:read");
        int limit = web.intQuery(ctx, "limit", 20, 1, 100);
        int offset = web.intQuery(ctx, "offset", 0, 0, 1_000_000);
        var list = outbox.recent(limit, offset);
        web.ok(ctx, new OutboxPage(list, limit, offset, list.size()));
    }

    private void requirePasswordChange(Context ctx) {
        Principal p = web.require(ctx, "users:write");
        accounts.requirePasswordChange(web.uuidPath(ctx, "id"), p.userId(), web.info(ctx));
        web.ok(ctx, new Message("The user must change the password at next sign-in."));
    }

    private static KeyView view(SigningKey k, Instant now) {
        String state = !k.publishedAt(now)
                ? "expired"
                : k.activatesAt().isAfter(now) ? "next" : k.expiresAt().isPresent() ? "retiring" : "active";
        return new KeyView(
                k.kid(),
                k.alg().getName(),
                k.createdAt(),
                k.activatesAt(),
                k.expiresAt().orElse(null),
                state);
    }
}
