package dev.gatehouse.oauth.clients;

import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.platform.http.Validator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * RFC 7591 §3 initial access tokens: an administrator makes one for a developer, who registers clients with it at
 * {@code /oauth2/register} without an administrator's sign-in. Each registration spends one of its uses, in the
 * transaction that stores the client, so concurrent registrations never exceed them. A developer is not an
 * administrator: such a client registers scopes within the token's {@code scope} (and gets exactly that scope when it
 * names none, rather than any scope in the table), and may not register what only an administrator grants: token
 * exchange, impersonation, or the resources it may ask tokens for. The token is shown once and stored as a hash.
 */
public final class InitialAccessTokens {
    public static final String PREFIX = "giat_";
    /** The OpenID Connect scopes, the default of a token made without a scope. */
    static final String DEFAULT_SCOPE = "openid profile email address phone offline_access";

    static final Duration DEFAULT_LIFETIME = Duration.ofDays(1);
    static final Duration MAX_LIFETIME = Duration.ofDays(90);
    static final int MAX_USES = 1000;
    private static final java.util.regex.Pattern SPACES = java.util.regex.Pattern.compile(" +");

    /** A token as the administrator sees it; {@code token} only in the answer that made it. */
    public record View(
            UUID id,
            String description,
            String scope,
            int maxUses,
            int uses,
            UUID createdBy,
            Instant createdAt,
            Instant expiresAt,
            String token) {}

    /** A request for a new token; null fields take their defaults. */
    public record Request(String description, String scope, Integer maxUses, Long expiresIn) {}

    /** A usable token, as a registration finds it before it spends a use; no id for open registration. */
    public record Allowance(UUID id, Set<String> scope) {}

    /** What open registration allows (no token, nothing to spend): the limits of a token made with the defaults. */
    static Allowance open() {
        return new Allowance(null, scopeOf(DEFAULT_SCOPE));
    }

    private final Database db;
    private final JdbiInitialAccessTokenStore store;
    private final ClientRegistrations.KnownScopes knownScopes;
    private final Secrets secrets;
    private final AuditLog audit;
    private final Clock clock;

    public InitialAccessTokens(
            Database db,
            JdbiInitialAccessTokenStore store,
            ClientRegistrations.KnownScopes knownScopes,
            Secrets secrets,
            AuditLog audit,
            Clock clock) {
        this.db = db;
        this.store = store;
        this.knownScopes = knownScopes;
        this.secrets = secrets;
        this.audit = audit;
        this.clock = clock;
    }

    public View create(Request r, UUID actor, RequestInfo info) {
        String description = r.description() == null || r.description().isBlank()
                ? null
                : r.description().strip();
        int maxUses = r.maxUses() == null ? 1 : r.maxUses();
        long expiresIn = r.expiresIn() == null ? DEFAULT_LIFETIME.toSeconds() : r.expiresIn();
        String scopeText = r.scope() == null ? DEFAULT_SCOPE : r.scope();
        Set<String> scope = scopeOf(scopeText);
        new Validator()
                .optionalText("description", description, 200)
                .check(maxUses >= 1 && maxUses <= MAX_USES, "max_uses", "from 1 to " + MAX_USES)
                .check(
                        expiresIn >= 60 && expiresIn <= MAX_LIFETIME.toSeconds(),
                        "expires_in",
                        "from 60 seconds to " + MAX_LIFETIME.toSeconds() + " (90 days)")
                .text("scope", scopeText, 2000)
                .check(!scope.isEmpty(), "scope", "names no scope")
                .throwIfInvalid();
        String token = secrets.token(PREFIX);
        Instant now = clock.instant();
        var row = new JdbiInitialAccessTokenStore.Row(
                UUID.randomUUID(),
                Secrets.sha256(token),
                description,
                String.join(" ", scope),
                maxUses,
                0,
                actor,
                now,
                now.plusSeconds(expiresIn));
        db.useTransaction(h -> {
            var unknown = new TreeSet<>(scope);
            unknown.removeAll(knownScopes.lockKnown(h, scope));
            if (!unknown.isEmpty())
                throw Problem.invalidField(
                        "scope",
                        "names scopes this server does not have: "
                                + String.join(" ", unknown.stream().limit(10).toList()));
            store.insert(h, row);
            audit.record(
                    h,
                    AuditEvent.success("client.initial_access_token_created", null)
                            .actor(actor)
                            .details(Map.of(
                                    "initial_access_token_id", row.id().toString(),
                                    "max_uses", maxUses,
                                    "expires_at", row.expiresAt().toString())),
                    info);
        });
        return view(row, token);
    }

    /** The tokens not yet expired, newest first, without the tokens themselves. */
    public List<View> list() {
        return db.withHandle(h -> store.unexpired(h, clock.instant())).stream()
                .map(r -> view(r, null))
                .toList();
    }

    public void delete(UUID id, UUID actor, RequestInfo info) {
        db.useTransaction(h -> {
            if (!store.delete(h, id)) throw Problem.notFound("The initial access token");
            audit.record(
                    h,
                    AuditEvent.success("client.initial_access_token_deleted", null)
                            .actor(actor)
                            .details(Map.of("initial_access_token_id", id.toString())),
                    info);
        });
    }

    /** The allowance of a token that can register a client now; RFC 7591 §3 {@code invalid_token} otherwise. */
    Allowance allowance(String token) {
        if (token == null || !token.startsWith(PREFIX) || token.length() > 100) throw invalid();
        return db.withHandle(h -> store.usable(h, Secrets.sha256(token), clock.instant()))
                .map(r -> new Allowance(r.id(), scopeOf(r.scope())))
                .orElseThrow(InitialAccessTokens::invalid);
    }

    /** Spends one use of the allowance's token inside the registering transaction; refused if none is left. */
    void spend(Handle h, Allowance a) {
        if (a.id() != null && !store.spend(h, a.id(), clock.instant())) throw invalid();
    }

    /**
     * What a registration with this allowance may say, RFC 7591 §2 leaving it to the server: refuses what only an
     * administrator grants, and sets the scope to the allowance's when none is named (the client could otherwise ask
     * for any scope in the table).
     */
    static void limit(Map<String, Object> metadata, Allowance a) {
        if (metadata.containsKey(OAuthClient.IMPERSONATION))
            throw ClientMetadataRules.metadataError(
                    OAuthClient.IMPERSONATION, "is granted by an administrator, not with an initial access token");
        if (metadata.containsKey(OAuthClient.RESOURCES))
            throw ClientMetadataRules.metadataError(
                    OAuthClient.RESOURCES, "are registered by an administrator, not with an initial access token");
        if (metadata.get("grant_types") instanceof List<?> grants
                && grants.contains(dev.gatehouse.oauth.token.TokenExchangeGrantHandler.GRANT))
            throw ClientMetadataRules.metadataError(
                    "grant_types",
                    "token exchange is registered by an administrator, not with an initial access token");
        Object scope = metadata.get("scope");
        // An empty scope counts as none: stored empty it would mean "any scope in the table".
        if (scope == null || (scope instanceof String s && scopeOf(s).isEmpty())) {
            metadata.put("scope", String.join(" ", a.scope()));
        } else if (!(scope instanceof String s) || !a.scope().containsAll(scopeOf(s))) {
            throw ClientMetadataRules.metadataError(
                    "scope", "may only name scopes of the initial access token (" + String.join(" ", a.scope()) + ")");
        }
    }

    /** Deletes the tokens expired for a day (the cleanup job). */
    public int deleteExpired(Instant now) {
        return db.inTransaction(h -> store.deleteExpired(h, now.minus(Duration.ofDays(1))));
    }

    private static Set<String> scopeOf(String scope) {
        var out = new LinkedHashSet<String>();
        SPACES.splitAsStream(scope.strip()).filter(s -> !s.isEmpty()).forEach(out::add);
        return out;
    }

    private static OAuthError invalid() {
        return new OAuthError(401, "invalid_token", "the initial access token is not valid, used up or expired");
    }

    private static View view(JdbiInitialAccessTokenStore.Row r, String token) {
        return new View(
                r.id(),
                r.description(),
                r.scope(),
                r.maxUses(),
                r.uses(),
                r.createdBy(),
                r.createdAt(),
                r.expiresAt(),
                token);
    }
}
