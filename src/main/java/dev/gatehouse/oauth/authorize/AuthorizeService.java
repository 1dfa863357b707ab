package dev.gatehouse.oauth.authorize;

import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ResponseMode;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.openid.connect.sdk.AuthenticationSuccessResponse;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.login.SessionState;
import dev.gatehouse.login.SsoSession;
import dev.gatehouse.oauth.clients.OAuthClient;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.RequestInfo;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The authorization endpoint's answers (RFC 6749 §4.1, OAuth 2.1, RFC 7636) to a request {@link AuthorizationRequests}
 * checked, and the codes it issues: opaque, stored hashed, single use, 60 seconds, bound to client, redirect URI, PKCE
 * challenge, user, scope and nonce. The token endpoint redeems them through {@link CodeRedemption}.
 */
public final class AuthorizeService {
    static final Duration CODE_TTL = Duration.ofSeconds(60);

    /** A checked authorization request, ready for a signed-in user. */
    public record Request(
            OAuthClient client,
            URI redirectUri,
            boolean redirectUriNamed,
            Optional<String> state,
            ResponseMode responseMode,
            boolean hybrid,
            Set<String> scope,
            String codeChallenge,
            Optional<String> nonce,
            Set<String> prompt,
            List<String> resources,
            Optional<Long> maxAge,
            Optional<String> loginHint,
            Optional<String> hintedSubject,
            Optional<String> uiLocales,
            List<String> acrValues,
            Optional<String> pushedHash,
            Interaction interaction,
            Optional<String> dpopJkt) {}

    /**
     * Reads an {@code id_token_hint}: an ID token this server issued (an expired one too, OIDC Core §3.1.2.1), its
     * claims; empty for anything else.
     */
    @FunctionalInterface
    public interface IdTokenHints {
        Optional<com.nimbusds.jwt.JWTClaimsSet> verify(String idToken);
    }

    /**
     * Signs the ID token of a hybrid response ({@code response_type=code id_token}): for {@code client}, the user
     * {@code subject}, the session {@code sessionId} the code will open, with {@code c_hash} of {@code code} and
     * {@code s_hash} of the state.
     */
    @FunctionalInterface
    public interface CodeIdTokens {
        String issue(
                OAuthClient client,
                String subject,
                UUID sessionId,
                Instant authTime,
                String nonce,
                List<String> amr,
                String code,
                Optional<String> state);
    }

    /**
     * What already happened in this browser for this request, from markers this server adds when it sends the browser
     * to the login, consent or account pages. None of them can grant more than the user could by editing the request;
     * for a pushed request (whose parameters the browser cannot edit) the re-authentication time is kept server-side.
     */
    public record Interaction(Optional<Instant> signedInAfter, boolean consentShown, boolean accountSelected) {
        static final Interaction NONE = new Interaction(Optional.empty(), false, false);
    }

    /** The markers (see {@link Interaction}); never part of what a client sends. */
    public static final String SIGNED_IN_AFTER = "gh_after";

    public static final String CONSENT_SHOWN = "gh_consented";
    public static final String ACCOUNT_SELECTED = "gh_selected";
    public static final String REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:";

    public sealed interface Checked {
        /**
         * Client or redirect URI not trustworthy: the browser must not be sent anywhere (RFC 6749 §4.1.2.1). The page
         * shows {@code key} from the message bundle ({@code authorize.error.*}) with {@code args}.
         */
        record ShowError(String key, List<String> args) implements Checked {
            public ShowError(String key, String... args) {
                this(key, List.of(args));
            }
        }

        record RedirectError(AuthorizationResponse response) implements Checked {}

        record Valid(Request request) implements Checked {}
    }

    private final Database db;
    private final JdbiCodeStore store;
    private final JdbiParStore pushed;
    private final Secrets secrets;
    private final Clock clock;
    private final Issuer issuer;
    private final AuditLog audit;
    private final CodeIdTokens idTokens;

    public AuthorizeService(
            Database db,
            JdbiCodeStore store,
            JdbiParStore pushed,
            AuditLog audit,
            Secrets secrets,
            Clock clock,
            String issuer,
            CodeIdTokens idTokens) {
        this.db = db;
        this.store = store;
        this.pushed = pushed;
        this.audit = audit;
        this.secrets = secrets;
        this.clock = clock;
        this.issuer = new Issuer(issuer);
        this.idTokens = idTokens;
    }

    public Instant now() {
        return clock.instant();
    }

    public URI errorLocation(URI redirectUri, ErrorObject error, State state, ResponseMode mode) {
        return errorResponse(issuer, redirectUri, error, state, mode).toURI();
    }

    /** Whether this session's sign-in happened after the browser was last sent to sign in for this request. */
    public static boolean signedInForThisRequest(Request r, SsoSession session) {
        return r.interaction()
                .signedInAfter()
                .map(t -> !session.authTime().isBefore(t))
                .orElse(false);
    }

    /** OIDC Core §3.1.2.1 max_age: the sign-in is older than the client accepts. */
    public boolean tooOld(Request r, SsoSession session) {
        // OIDC Core §3.1.2.1 (errata set 2): max_age=0 is prompt=login, even for a sign-in of this very second.
        return r.maxAge()
                .map(max -> max == 0
                        || Duration.between(session.authTime(), clock.instant()).compareTo(Duration.ofSeconds(max)) > 0)
                .orElse(false);
    }

    /** RFC 6749 §4.1.2.1 error response to a trusted redirect URI, with {@code iss} (RFC 9207). */
    static AuthorizationResponse errorResponse(
            Issuer issuer, URI redirectUri, ErrorObject error, State state, ResponseMode mode) {
        return new AuthorizationErrorResponse(redirectUri, error, state, issuer, mode);
    }

    /** The error response to a checked request, with its state and response mode. */
    static AuthorizationResponse errorResponse(Issuer issuer, Request r, ErrorObject error) {
        return errorResponse(
                issuer, r.redirectUri(), error, r.state().map(State::new).orElse(null), r.responseMode());
    }

    /**
     * RFC 6749 §4.1.2.1 error returned to a trusted redirect URI, e.g. login_required for prompt=none. It answers the
     * request, so a pushed request is spent.
     */
    public AuthorizationResponse refuse(Request r, ErrorObject error) {
        r.pushedHash().ifPresent(hash -> db.useTransaction(h -> pushed.consume(h, hash, clock.instant())));
        return errorResponse(issuer, r, error);
    }

    /**
     * Issues a code for a signed-in user and answers with the response carrying it (and iss, RFC 9207). The code
     * remembers the SSO session it was issued in (for front- and back-channel logout), and OpenID responses carry
     * OIDC Session Management's {@code session_state}.
     */
    public AuthorizationResponse issue(
            Request r, UUID userId, Instant authTime, Optional<SsoSession> sso, RequestInfo info) {
        Optional<UUID> ssoSessionId = sso.map(SsoSession::id);
        // OIDC Session Management §3: for OpenID requests to a web origin, bound to this browser's SSO session.
        Optional<String> sessionState = r.scope().contains("openid")
                ? SessionState.origin(r.redirectUri())
                        .map(origin -> SessionState.compute(
                                r.client().clientId(), origin, SessionState.browserState(sso), secrets.token("")))
                : Optional.empty();
        Instant now = clock.instant();
        String code = secrets.token("ac_");
        // A hybrid response's ID token names the session the code will open (sid), so its id is fixed now.
        Optional<UUID> plannedSession = r.hybrid() ? Optional.of(UUID.randomUUID()) : Optional.empty();
        List<String> amr = sso.map(SsoSession::amr).orElse(List.of("pwd"));
        var grant = new AuthorizationCode(
                r.client().clientId(),
                userId,
                r.redirectUri().toString(),
                r.redirectUriNamed(),
                r.codeChallenge(),
                r.scope(),
                r.resources(),
                r.nonce(),
                authTime,
                now.plus(CODE_TTL),
                Optional.empty(),
                plannedSession,
                amr,
                r.dpopJkt());
        // A plain code commits asynchronously (ADR 0020): a database crash within ~200 ms loses it, and its redemption
        // then fails with invalid_grant. Not so when a pushed request is spent here (single use) or an ID token leaves
        // with the code (hybrid): those must not outlive a lost record.
        var commit = r.pushedHash().isEmpty() && !r.hybrid() ? Database.Commit.ASYNC : Database.Commit.DURABLE;
        boolean issued = db.inTransaction(commit, h -> {
            // RFC 9126 §4: a pushed request answers once; a second browser racing with it gets an error.
            if (r.pushedHash().isPresent() && !pushed.consume(h, r.pushedHash().get(), now)) return false;
            store.insert(h, Secrets.sha256(code), grant, ssoSessionId, now);
            audit.record(
                    h,
                    AuditEvent.success("oauth.code_issued", userId)
                            .details(Map.of("client_id", r.client().clientId())),
                    info);
            return true;
        });
        if (!issued) {
            return errorResponse(
                    issuer, r, new ErrorObject("invalid_request_uri", "the request_uri was already used", 400));
        }
        JWT idToken = null;
        if (r.hybrid()) {
            String signed = idTokens.issue(
                    r.client(),
                    userId.toString(),
                    plannedSession.orElseThrow(),
                    authTime,
                    r.nonce().orElseThrow(),
                    amr,
                    code,
                    r.state());
            try {
                idToken = SignedJWT.parse(signed);
            } catch (java.text.ParseException e) {
                throw new IllegalStateException("an ID token just signed does not parse", e);
            }
        }
        return new AuthenticationSuccessResponse(
                r.redirectUri(),
                new com.nimbusds.oauth2.sdk.AuthorizationCode(code),
                idToken,
                null,
                r.state().map(State::new).orElse(null),
                sessionState.map(State::new).orElse(null),
                issuer,
                r.responseMode());
    }
}
