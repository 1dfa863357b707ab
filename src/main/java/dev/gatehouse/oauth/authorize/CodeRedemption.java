package dev.gatehouse.oauth.authorize;

import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.sessions.SessionService;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The token endpoint's side of authorization codes: redemption (RFC 6749 §4.1.3 with RFC 7636 §4.6, RFC 8707 §2.2 and
 * RFC 9449 §10), which opens the session the tokens belong to and ends it when a code comes back (RFC 6749 §4.1.2);
 * the grant a session was opened by, for the refresh grant; and, for logout, the clients that got tokens in an SSO
 * session. {@link AuthorizeService} issues the codes.
 */
public final class CodeRedemption {
    /** RFC 7636 §4.1: a code verifier's characters and length (a S256 challenge is 43 of them). */
    static final Pattern PKCE_VALUE = Pattern.compile("[A-Za-z0-9\\-._~]{43,128}");

    public record Redeemed(AuthorizationCode grant, UUID sessionId, String refreshToken) {}

    /**
     * A client that got tokens in an SSO session, and the session (the ID token's {@code sid}) holding them, begun by a
     * redeemed code issued in the SSO session. {@code offline}: the user granted {@code offline_access}, so its refresh
     * token outlives the browser's sign-in (OIDC Core §11, Back-Channel Logout §2.7).
     */
    public record Participant(String clientId, UUID sessionId, boolean offline) {}

    private sealed interface Redemption {
        record Ok(Redeemed redeemed) implements Redemption {}

        record Refused(OAuthError error) implements Redemption {
            Refused(String description) {
                this(OAuthError.invalidGrant(description));
            }
        }
    }

    private final Database db;
    private final JdbiCodeStore store;
    private final SessionService sessions;
    private final AuditLog audit;
    private final Clock clock;

    public CodeRedemption(Database db, JdbiCodeStore store, SessionService sessions, AuditLog audit, Clock clock) {
        this.db = db;
        this.store = store;
        this.sessions = sessions;
        this.audit = audit;
        this.clock = clock;
    }

    /** The clients that got tokens in an SSO session, each with the session its tokens belong to. */
    public List<Participant> participants(org.jdbi.v3.core.Handle h, UUID ssoSessionId) {
        return store.participants(h, ssoSessionId);
    }

    /** At logout: codes issued in the SSO session but not redeemed yet can no longer be. */
    public void spendUnusedCodes(org.jdbi.v3.core.Handle h, UUID ssoSessionId) {
        store.spendUnused(h, ssoSessionId, clock.instant());
    }

    /**
     * When a client's tokens are revoked: its codes not redeemed yet can no longer be, since redeeming one would open a
     * session after the cut.
     */
    public void spendUnusedCodesOfClient(org.jdbi.v3.core.Handle h, String clientId) {
        store.spendUnusedOfClient(h, clientId, clock.instant());
    }

    /**
     * Redeems a code at the token endpoint (RFC 6749 §4.1.3) and opens the session its tokens belong to. A code
     * presented a second time ends that session, so the tokens issued from it stop working (RFC 6749 §4.1.2).
     */
    public Redeemed redeem(
            String code,
            String clientId,
            Optional<String> redirectUri,
            Optional<String> verifier,
            List<String> resources,
            Optional<String> dpopJkt,
            RequestInfo info) {
        if (code == null || !code.startsWith("ac_") || code.length() > 100)
            throw OAuthError.invalidGrant("invalid code");
        String hash = Secrets.sha256(code);
        Instant now = clock.instant();
        Redemption outcome = db.inTransaction(h -> {
            Optional<AuthorizationCode> claimed = store.claim(h, hash, now);
            if (claimed.isEmpty()) {
                Optional<AuthorizationCode> spent = store.byHash(h, hash);
                if (spent.isEmpty()) return new Redemption.Refused("invalid code");
                UUID userId = spent.get().userId();
                spent.get().sessionId().ifPresent(sid -> {
                    if (sessions.end(h, sid, "authorization_code_reuse")) {
                        audit.record(
                                h,
                                AuditEvent.failure("oauth.code_reuse_detected", userId, "code presented again")
                                        .session(sid),
                                info);
                    }
                });
                return new Redemption.Refused("invalid code");
            }
            AuthorizationCode g = claimed.get();
            // Every check below runs after the claim: a failed attempt spends the code too.
            if (!g.expiresAt().isAfter(now)) return new Redemption.Refused("the code has expired");
            if (!g.clientId().equals(clientId)) return new Redemption.Refused("the code was issued to another client");
            // RFC 6749 §4.1.3, OAuth 2.1 §4.1.3: required and identical when the authorization request named one;
            // otherwise it may be left out, and if sent it must be the registered URI the code went to.
            if (redirectUri.isEmpty()
                    ? g.redirectUriNamed()
                    : !redirectUri.get().equals(g.redirectUri()))
                return new Redemption.Refused("redirect_uri does not match the authorization request");
            if (verifier.isEmpty() || !pkceMatches(verifier.get(), g.codeChallenge()))
                return new Redemption.Refused("code_verifier does not match the code_challenge");
            // RFC 9449 §10: a code bound to a DPoP key goes only to a request proving possession of that key.
            if (g.dpopJkt().isPresent() && !g.dpopJkt().equals(dpopJkt))
                return new Redemption.Refused(new OAuthError(
                        400,
                        "invalid_dpop_proof",
                        dpopJkt.isEmpty()
                                ? "the code is bound to a DPoP key: send a DPoP proof made with it"
                                : "the DPoP proof's key is not the one the code is bound to"));
            // RFC 8707 §2.2: a resource the user did not grant; refused before a session opens for tokens never sent.
            for (String r : resources) {
                if (!g.resources().contains(r))
                    return new Redemption.Refused(
                            OAuthError.invalidTarget("the grant does not include the resource " + r));
            }
            // A hybrid response already named the session in its ID token (sid); other codes get a new id here.
            var started = sessions.start(
                    h,
                    g.sessionId().orElseGet(UUID::randomUUID),
                    g.userId(),
                    info.deviceId().orElse("oauth"),
                    clientId,
                    "pwd",
                    info);
            store.linkSession(h, hash, started.session().id());
            audit.record(
                    h,
                    AuditEvent.success("oauth.code_redeemed", g.userId())
                            .session(started.session().id())
                            .details(Map.of("client_id", clientId)),
                    info);
            return new Redemption.Ok(new Redeemed(g, started.session().id(), started.refreshToken()));
        });
        return switch (outcome) {
            case Redemption.Ok ok -> ok.redeemed();
            case Redemption.Refused r -> throw r.error();
        };
    }

    /** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge, compared in constant time. */
    static boolean pkceMatches(String verifier, String challenge) {
        if (!PKCE_VALUE.matcher(verifier).matches()) return false;
        String computed = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(Secrets.digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        return Secrets.constantTimeEquals(computed, challenge);
    }

    /** The scope and resources originally granted to the session a code opened, for the refresh-token grant. */
    public Optional<AuthorizationCode> grantOfSession(UUID sessionId) {
        return db.withHandle(h -> store.bySession(h, sessionId));
    }
}
