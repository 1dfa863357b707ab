package dev.gatehouse.oauth.scopes;

import com.nimbusds.oauth2.sdk.GrantType;
import dev.gatehouse.accounts.UserClaims;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.oauth.clients.OAuthClient;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.platform.http.Validator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * The scopes clients may request, administered at /v1/admin/scopes. Reads come from an in-memory snapshot (the
 * authorize endpoint and discovery never hit the database per request): a change on this node replaces it at once,
 * a change on another node is picked up within {@code refreshEvery}. The six OpenID Connect scopes are system scopes:
 * they cannot be deleted or renamed, and their claims are fixed (userinfo releases exactly those, ADR 0024).
 */
public final class ScopeService {
    /**
     * RFC 6749 §3.3 scope-token, narrowed to characters that are safe in a URL path segment, and not dots alone (a
     * client would read {@code /v1/admin/scopes/..} as a path step and never reach it).
     */
    private static final Pattern NAME = Pattern.compile("(?!\\.+$)[A-Za-z0-9_.:\\-]{1,64}");

    private static final Pattern CLAIM = Pattern.compile("[A-Za-z0-9_.:\\-]{1,64}");

    /** The scopes' view a reader holds: immutable, with a version that changes whenever the table did. */
    public record Snapshot(List<Scope> scopes, long version, Instant loadedAt) {
        public Set<String> names() {
            var s = new LinkedHashSet<String>();
            scopes.forEach(x -> s.add(x.name()));
            return s;
        }

        public Set<String> defaults() {
            var s = new LinkedHashSet<String>();
            scopes.stream().filter(Scope::isDefault).forEach(x -> s.add(x.name()));
            return s;
        }
    }

    /** A create or update request; null fields keep their current value on update. */
    public record Change(String name, String description, Boolean isDefault, List<?> claims) {}

    private final Database db;
    private final JdbiScopeStore store;
    private final AuditLog audit;
    private final Clock clock;
    private final Duration refreshEvery;
    private final AtomicLong versions = new AtomicLong();
    private volatile Snapshot snapshot;

    /** The clients whose registered scope names a scope ({@code ClientService.registering}). */
    public interface Registrations {
        List<String> clientsRegistering(Handle h, String scope);
    }

    private volatile Registrations registrations = (h, scope) -> {
        throw new IllegalStateException("ScopeService.checkRegistrationsWith was not called");
    };

    public ScopeService(Database db, JdbiScopeStore store, AuditLog audit, Clock clock, Duration refreshEvery) {
        this.db = db;
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        this.refreshEvery = refreshEvery;
    }

    /** The current scopes, reloaded from the table when older than {@code refreshEvery}. */
    public Snapshot snapshot() {
        Snapshot s = snapshot;
        Instant now = clock.instant();
        if (s != null && now.isBefore(s.loadedAt().plus(refreshEvery))) return s;
        synchronized (this) {
            s = snapshot;
            if (s != null && now.isBefore(s.loadedAt().plus(refreshEvery))) return s;
            List<Scope> rows = db.withHandle(store::all);
            // The version only moves when the rows differ, so readers that cache on it rebuild only on change.
            long version = s != null && s.scopes().equals(rows) ? s.version() : versions.incrementAndGet();
            snapshot = new Snapshot(List.copyOf(rows), version, now);
            return snapshot;
        }
    }

    /**
     * Which of {@code scope} are OpenID Connect scopes ({@code openid}, {@code profile}, {@code email}, {@code address},
     * {@code phone}, {@code offline_access}): they describe a user, so a token of no user cannot carry them.
     */
    public Set<String> aboutAUser(Set<String> scope) {
        var found = new LinkedHashSet<String>();
        for (Scope s : snapshot().scopes()) if (s.isSystem() && scope.contains(s.name())) found.add(s.name());
        return found;
    }

    /** Scope names a client may request when it registered none. */
    public Set<String> names() {
        return snapshot().names();
    }

    /** Granted when a client asks for no scope and registered none (RFC 6749 §3.3's "pre-defined default"). */
    public Set<String> defaults() {
        return snapshot().defaults();
    }

    /**
     * The scope granted when a client asks for none (RFC 6749 §3.3's default): the default scopes the client may
     * request ({@code allowed}), else the client's registered scope. When no user is involved, never an OpenID Connect
     * scope, in either: they describe a user (and {@code openid} and {@code offline_access} asked for by name are
     * refused), so what is left may be nothing, a token of no scope.
     */
    public Set<String> defaultsFor(Set<String> registered, Set<String> allowed, boolean forUser) {
        List<Scope> scopes = snapshot().scopes();
        var d = new LinkedHashSet<String>();
        for (Scope s : scopes)
            if (s.isDefault() && allowed.contains(s.name()) && (forUser || !s.isSystem())) d.add(s.name());
        if (!d.isEmpty()) return d;
        if (forUser) return registered;
        var withoutUser = new LinkedHashSet<>(registered);
        for (Scope s : scopes) if (s.isSystem()) withoutUser.remove(s.name());
        return withoutUser;
    }

    /**
     * The scope a user is asked to grant {@code client} (authorization and device requests), or empty when it asks for
     * one it may not: a client that registered no scope may ask for any in the table, and one that asks for none gets
     * the default scopes (RFC 6749 §3.3). {@code offline_access} asks for a refresh token, which only a client
     * registered for the refresh_token grant gets (OIDC Core §11); for any other it is dropped, so that consent does
     * not promise what the tokens will not do.
     */
    public Optional<Set<String>> forUser(OAuthClient client, Set<String> requested) {
        Set<String> allowed = client.allowedScopes().isEmpty() ? names() : client.allowedScopes();
        var scope = new LinkedHashSet<>(
                requested.isEmpty() ? defaultsFor(client.allowedScopes(), allowed, true) : requested);
        if (!allowed.containsAll(scope)) return Optional.empty();
        if (!client.allows(GrantType.REFRESH_TOKEN)) scope.remove("offline_access");
        return Optional.of(scope);
    }

    /**
     * Each of {@code scope} (in its order) with its plain-words description from the scopes table; a name not in it is
     * described by itself. {@link ScopeWords} shows the standard scopes in the visitor's language instead.
     */
    public Map<String, String> describe(Set<String> scope) {
        var words = new HashMap<String, String>();
        for (Scope s : list()) words.put(s.name(), s.description());
        var described = new LinkedHashMap<String, String>();
        for (String s : scope) described.put(s, words.getOrDefault(s, s));
        return described;
    }

    /** The claims the named scopes release (the table's claims of each; OIDC Core §5.4 for the system scopes). */
    public Set<String> claimsOf(Set<String> scopes) {
        var claims = new HashSet<String>();
        for (Scope s : snapshot().scopes()) if (scopes.contains(s.name())) claims.addAll(s.claims());
        return claims;
    }

    public List<Scope> list() {
        return snapshot().scopes();
    }

    public Optional<Scope> find(String name) {
        return list().stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public Scope create(Change c, UUID actor, RequestInfo info) {
        var errors = new LinkedHashMap<String, String>();
        if (c.name() == null || !NAME.matcher(c.name()).matches())
            errors.put("name", "1 to 64 letters, digits, '_', '.', ':' or '-'");
        else checkNotReserved(c.name(), errors);
        checkDescription(c.description(), true, errors);
        checkClaims(c.claims(), errors);
        if (!errors.isEmpty()) throw Problem.validation(errors);
        var scope = new Scope(
                c.name(),
                c.description().strip(),
                Boolean.TRUE.equals(c.isDefault()),
                false,
                c.claims() == null ? List.of() : claimNames(c.claims()),
                clock.instant());
        inTransactionUnique(h -> {
            if (store.byName(h, scope.name()).isPresent()) throw scopeExists();
            store.insert(h, scope);
            audit.record(h, event("scope.created", actor, scope.name()), info);
        });
        invalidate();
        return find(scope.name()).orElse(scope);
    }

    public Scope update(String name, Change c, UUID actor, RequestInfo info) {
        var errors = new LinkedHashMap<String, String>();
        if (c.name() != null && !NAME.matcher(c.name()).matches())
            errors.put("name", "1 to 64 letters, digits, '_', '.', ':' or '-'");
        else if (c.name() != null && !c.name().equals(name)) checkNotReserved(c.name(), errors);
        checkDescription(c.description(), false, errors);
        checkClaims(c.claims(), errors);
        if (!errors.isEmpty()) throw Problem.validation(errors);
        Scope[] out = new Scope[1];
        inTransactionUnique(h -> {
            Scope old = store.byNameForUpdate(h, name).orElseThrow(() -> Problem.notFound("The scope"));
            String newName = c.name() == null ? old.name() : c.name();
            List<String> claims = c.claims() == null ? old.claims() : claimNames(c.claims());
            if (old.isSystem() && !newName.equals(old.name()))
                throw Problem.conflict("system_scope", "The OpenID Connect scopes cannot be renamed");
            if (old.isSystem() && !claims.equals(old.claims()))
                throw Problem.conflict("system_scope", "The claims of the OpenID Connect scopes are fixed");
            if (!newName.equals(old.name()) && store.byName(h, newName).isPresent()) throw scopeExists();
            if (!newName.equals(old.name())) refuseWhileRegistered(h, name, "renamed");
            var updated = new Scope(
                    newName,
                    c.description() == null
                            ? old.description()
                            : c.description().strip(),
                    c.isDefault() == null ? old.isDefault() : c.isDefault(),
                    old.isSystem(),
                    claims,
                    old.createdAt());
            store.update(h, name, updated);
            var e = event("scope.updated", actor, newName);
            if (!newName.equals(name)) e = e.details(Map.of("scope", newName, "renamed_from", name));
            audit.record(h, e, info);
            out[0] = updated;
        });
        invalidate();
        return out[0];
    }

    /**
     * Names that are path segments of /v1/admin/scopes themselves: a scope so named could be created but not read at
     * {@code /v1/admin/scopes/{name}}.
     */
    static final Set<String> RESERVED_NAMES = Set.of("defaults");

    private static void checkNotReserved(String name, Map<String, String> errors) {
        if (RESERVED_NAMES.contains(name))
            errors.put("name", "'" + name + "' is reserved: /v1/admin/scopes/" + name + " is another resource");
    }

    private static Problem scopeExists() {
        return Problem.conflict("scope_exists", "A scope with this name exists");
    }

    /**
     * A write that may take a name: the check before it sees only committed rows, so a create or rename of the same
     * name at the same moment reaches the primary key, which refuses it as the check would have (409, not a 500).
     */
    private void inTransactionUnique(org.jdbi.v3.core.HandleConsumer<RuntimeException> work) {
        try {
            db.useTransaction(work);
        } catch (RuntimeException e) {
            if (Database.isUniqueViolation(e)) throw scopeExists();
            throw e;
        }
    }

    public void delete(String name, UUID actor, RequestInfo info) {
        db.useTransaction(h -> {
            Scope old = store.byNameForUpdate(h, name).orElseThrow(() -> Problem.notFound("The scope"));
            if (old.isSystem()) throw Problem.conflict("system_scope", "The OpenID Connect scopes cannot be deleted");
            refuseWhileRegistered(h, name, "deleted");
            store.delete(h, name);
            audit.record(h, event("scope.deleted", actor, name), info);
        });
        invalidate();
    }

    /**
     * The scopes clients register (Gatehouse's registration keeps them to the table) and scope names that a resource
     * server checks: a scope that clients still register is neither deleted nor renamed, since their tokens would go on
     * carrying the name (409, naming the clients to change first). The scope's row is locked, so a registration naming
     * it waits and then sees the outcome.
     */
    private void refuseWhileRegistered(Handle h, String name, String what) {
        List<String> ids = registrations.clientsRegistering(h, name);
        if (ids.isEmpty()) return;
        String shown = String.join(", ", ids.subList(0, Math.min(ids.size(), 10))) + (ids.size() > 10 ? ", ..." : "");
        throw Problem.conflict(
                "scope_in_use",
                ids.size() + (ids.size() == 1 ? " client registers" : " clients register")
                        + " this scope, so it cannot be " + what + ": remove it from their scope first (" + shown
                        + ")");
    }

    /** Sets {@link Registrations}: App wires the clients feature here. Set once, at assembly. */
    public void checkRegistrationsWith(Registrations registrations) {
        this.registrations = java.util.Objects.requireNonNull(registrations);
    }

    /** Lets registration check a client's scope against the table ({@code ClientRegistrations.KnownScopes}). */
    public Set<String> lockKnown(Handle h, Set<String> names) {
        return store.lockNamed(h, names);
    }

    /** Forgets the snapshot, so the next read loads the table (and discovery rebuilds its document). */
    public void invalidate() {
        synchronized (this) {
            snapshot = null;
        }
    }

    private static AuditEvent event(String type, UUID actor, String scope) {
        return AuditEvent.success(type, null).actor(actor).details(Map.of("scope", scope));
    }

    private static void checkDescription(String d, boolean required, Map<String, String> errors) {
        if (d == null) {
            if (required) errors.put("description", "required: the scope in plain words, shown on the consent page");
        } else if (d.isBlank()) {
            errors.put("description", "must not be blank");
        } else {
            Validator.textProblem(d.strip(), 500).ifPresent(m -> errors.put("description", m));
        }
    }

    /** The checked claim names, duplicates dropped, order kept. */
    private static List<String> claimNames(List<?> claims) {
        var names = new LinkedHashSet<String>();
        claims.forEach(x -> names.add((String) x));
        return List.copyOf(names);
    }

    private static void checkClaims(List<?> claims, Map<String, String> errors) {
        if (claims == null) return;
        if (claims.size() > 30
                || claims.stream()
                        .anyMatch(x ->
                                !(x instanceof String s) || !CLAIM.matcher(s).matches())
                || claims.stream().mapToInt(x -> String.valueOf(x).length() + 1).sum() > 501)
            errors.put("claims", "up to 30 claim names of letters, digits, '_', '.', ':' or '-'");
        else
            claims.stream()
                    .filter(x -> !UserClaims.NAMES.contains(x))
                    .findFirst()
                    .ifPresent(x -> errors.put(
                            "claims",
                            "Gatehouse has no claim " + x + "; the claims a scope can release are "
                                    + String.join(", ", UserClaims.NAMES)));
    }
}
