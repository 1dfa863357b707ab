package dev.gatehouse.oauth.clients;

import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientMetadata;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.RequestInfo;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;

/**
 * Registering clients and changing their registrations: by an administrator ({@code /v1/admin/clients}), by a developer
 * with an initial access token or by open registration (RFC 7591), and by the client itself (RFC 7592). Metadata is
 * validated by {@link ClientMetadataRules}; a secret, when the method needs one, is generated with 256 bits of entropy,
 * shown once and stored as SHA-256.
 */
public final class ClientRegistrations {
    /**
     * The scopes table as registration sees it (the scopes feature, wired in App): a client may only register scopes
     * that exist, and those stay until no client registers them.
     */
    public interface KnownScopes {
        /** Of {@code names}, those the table has, locked until {@code h}'s transaction ends. */
        Set<String> lockKnown(Handle h, Set<String> names);
    }

    /** What else goes with a deleted client, inside the deleting transaction (its sessions, its consents). */
    public interface Deleted {
        void deleted(Handle h, String clientId);
    }

    private final Database db;
    private final ClientStore store;
    private final ClientService clients;
    private final Secrets secrets;
    private final AuditLog audit;
    private final Clock clock;
    private final KnownScopes knownScopes;
    private final Deleted deleted;

    public ClientRegistrations(
            Database db,
            ClientStore store,
            ClientService clients,
            Secrets secrets,
            AuditLog audit,
            Clock clock,
            KnownScopes knownScopes,
            Deleted deleted) {
        this.db = db;
        this.store = store;
        this.clients = clients;
        this.secrets = secrets;
        this.audit = audit;
        this.clock = clock;
        this.knownScopes = knownScopes;
        this.deleted = deleted;
    }

    public IssuedClient create(Map<String, Object> metadataJson, boolean firstParty, UUID actor, RequestInfo info) {
        return create(metadataJson, firstParty, false, actor, info);
    }

    /** With {@code registrationToken}, also issues an RFC 7592 registration access token for self-management. */
    public IssuedClient create(
            Map<String, Object> metadataJson,
            boolean firstParty,
            boolean registrationToken,
            UUID actor,
            RequestInfo info) {
        return create(metadataJson, firstParty, registrationToken, actor, info, h -> {}, Map.of());
    }

    /**
     * RFC 7591 §3 registration with an initial access token ({@link InitialAccessTokens}) instead of an administrator:
     * the metadata limited to what the token allows, one of its uses spent with the client's insert.
     */
    public IssuedClient register(
            Map<String, Object> metadataJson, InitialAccessTokens tokens, String token, RequestInfo info) {
        var allowance = tokens.allowance(token);
        return registerWithin(
                metadataJson,
                allowance,
                h -> tokens.spend(h, allowance),
                Map.of("initial_access_token_id", allowance.id().toString()),
                info);
    }

    /**
     * Open registration (GATEHOUSE_OPEN_CLIENT_REGISTRATION): no token at all, and the limits of an initial access token
     * made with the defaults (ADR 0029).
     */
    public IssuedClient registerOpenly(Map<String, Object> metadataJson, RequestInfo info) {
        return registerWithin(
                metadataJson, InitialAccessTokens.open(), h -> {}, Map.of("open_registration", true), info);
    }

    /** A developer's registration: the metadata limited to {@code allowance}, {@code admit} run with the insert. */
    private IssuedClient registerWithin(
            Map<String, Object> metadataJson,
            InitialAccessTokens.Allowance allowance,
            Consumer<Handle> admit,
            Map<String, Object> auditDetails,
            RequestInfo info) {
        var metadata = new LinkedHashMap<>(metadataJson);
        InitialAccessTokens.limit(metadata, allowance);
        return create(metadata, false, true, null, info, admit, auditDetails);
    }

    private IssuedClient create(
            Map<String, Object> metadataJson,
            boolean firstParty,
            boolean registrationToken,
            UUID actor,
            RequestInfo info,
            Consumer<Handle> admit,
            Map<String, Object> auditDetails) {
        OIDCClientMetadata m = ClientMetadataRules.validate(metadataJson);
        Optional<String> rat = registrationToken ? Optional.of(secrets.token("grt_")) : Optional.empty();
        Instant now = clock.instant();
        String clientId = "gc_" + secrets.token("").substring(0, 22);
        Optional<String> secret = ClientService.usesSecret(m.getTokenEndpointAuthMethod())
                ? Optional.of(secrets.token("gcs_"))
                : Optional.empty();
        var row = new ClientStore.Row(
                clientId,
                m.getName(),
                secret.map(Secrets::sha256).orElse(null),
                m.toJSONObject().toJSONString(),
                firstParty,
                rat.map(Secrets::sha256).orElse(null),
                now,
                now);
        var details = new LinkedHashMap<String, Object>(auditDetails);
        details.put("client_id", clientId);
        db.useTransaction(h -> {
            requireKnownScopes(h, m);
            admit.accept(h);
            store.insert(h, row);
            audit.record(
                    h, AuditEvent.success("client.created", null).actor(actor).details(details), info);
        });
        return new IssuedClient(ClientService.open(row), secret, rat);
    }

    /**
     * A client may only register scopes the scopes table has (RFC 7591 §2 leaves the values to the server): a name
     * that is not there is usually a typo, and would otherwise be granted without a description on the consent page
     * and outlive any decision to delete it.
     */
    private void requireKnownScopes(Handle h, OIDCClientMetadata m) {
        if (m.getScope() == null) return;
        var named = new TreeSet<>(m.getScope().toStringList());
        named.removeAll(knownScopes.lockKnown(h, named));
        if (named.isEmpty()) return;
        String shown = String.join(" ", named.stream().limit(10).toList()) + (named.size() > 10 ? " ..." : "");
        throw ClientMetadataRules.metadataError(
                "scope",
                "names scopes this server does not have (" + shown
                        + "); an administrator creates them at /v1/admin/scopes");
    }

    /**
     * Replaces a client's metadata. A switch to a secret method (from {@code private_key_jwt}) issues a secret, shown
     * once in the answer, since the client had none; a switch away from one drops the secret's hash.
     */
    public IssuedClient update(String clientId, Map<String, Object> metadataJson, UUID actor, RequestInfo info) {
        OIDCClientMetadata m = ClientMetadataRules.validate(metadataJson);
        OAuthClient current =
                clients.find(clientId).orElseThrow(() -> new OAuthError(404, "invalid_client_id", "no such client"));
        boolean nowPublic = ClientAuthenticationMethod.NONE.equals(m.getTokenEndpointAuthMethod());
        if (nowPublic != current.isPublic()) {
            throw new OAuthError(
                    400, "invalid_client_metadata", "a client cannot switch between public and confidential");
        }
        Instant now = clock.instant();
        // validate() applied the defaults, so the method is set (client_secret_basic unless named).
        boolean secretMethod = ClientService.usesSecret(m.getTokenEndpointAuthMethod());
        String newSecret = secretMethod && current.secretHash().isEmpty() ? secrets.token("gcs_") : null;
        String secretHash = !secretMethod ? null : current.secretHash().orElseGet(() -> Secrets.sha256(newSecret));
        var row = new ClientStore.Row(
                clientId,
                m.getName(),
                secretHash,
                m.toJSONObject().toJSONString(),
                current.firstParty(),
                null,
                current.createdAt(),
                now);
        db.useTransaction(h -> {
            requireKnownScopes(h, m);
            store.update(h, row);
            clients.invalidate(h, clientId);
            audit.record(
                    h,
                    AuditEvent.success("client.updated", null).actor(actor).details(Map.of("client_id", clientId)),
                    info);
        });
        return new IssuedClient(ClientService.open(row), Optional.ofNullable(newSecret), Optional.empty());
    }

    /**
     * RFC 7592 §2.2: a client replacing its own registration names its client_id, and a client_secret it includes must
     * be its current one (checked as at the token endpoint, never stored). Impersonation is an administrator's
     * decision, so the stored value stays whatever the request says.
     */
    public IssuedClient updateOwn(OAuthClient self, Map<String, Object> request, RequestInfo info) {
        if (!self.clientId().equals(request.get("client_id")))
            throw new OAuthError(
                    400, "invalid_client_metadata", "client_id must be present and name this client", "client_id");
        Object secret = request.get("client_secret");
        if (secret != null && !(secret instanceof String s && clients.secretMatches(self, s)))
            throw new OAuthError(
                    400,
                    "invalid_client_metadata",
                    "client_secret is not this client's current secret",
                    "client_secret");
        var metadata = new LinkedHashMap<>(request);
        metadata.remove(OAuthClient.IMPERSONATION);
        if (self.mayImpersonate()) metadata.put(OAuthClient.IMPERSONATION, true);
        keepWhatOnlyAnAdministratorGrants(self, metadata);
        return update(self.clientId(), metadata, null, info);
    }

    /**
     * RFC 7592 §2.2 lets the server refuse or replace values. A client managing itself may narrow what an administrator
     * registered, never widen it: its scope and grant types stay within the current ones (left out, they stay as they
     * are, rather than fall back to defaults that could be wider), and a PAR or DPoP requirement stays on.
     */
    private static void keepWhatOnlyAnAdministratorGrants(OAuthClient self, Map<String, Object> metadata) {
        Set<String> scopeNow = self.allowedScopes();
        Object scopeAsked = metadata.get("scope");
        if (!scopeNow.isEmpty()) {
            if (scopeAsked == null) metadata.put("scope", String.join(" ", scopeNow));
            else if (!(scopeAsked instanceof String s)
                    || !scopeNow.containsAll(List.of(s.trim().split(" +"))))
                throw ClientMetadataRules.metadataError(
                        "scope", "may only narrow the registered scope (" + String.join(" ", scopeNow) + ")");
        }
        List<String> grantsNow = self.metadata().getGrantTypes() == null
                ? List.of()
                : self.metadata().getGrantTypes().stream()
                        .map(GrantType::getValue)
                        .toList();
        Object grantsAsked = metadata.get("grant_types");
        if (grantsAsked == null) metadata.put("grant_types", grantsNow);
        else if (!(grantsAsked instanceof List<?> l) || !grantsNow.containsAll(l))
            throw ClientMetadataRules.metadataError(
                    "grant_types", "may only narrow the registered grant types " + grantsNow);
        List<String> resourcesNow = self.resources();
        Object resourcesAsked = metadata.get(OAuthClient.RESOURCES);
        if (resourcesAsked == null) {
            if (!resourcesNow.isEmpty()) metadata.put(OAuthClient.RESOURCES, resourcesNow);
        } else if (!(resourcesAsked instanceof List<?> l) || !resourcesNow.containsAll(l))
            throw ClientMetadataRules.metadataError(OAuthClient.RESOURCES, "may only narrow the registered resources");
        if (self.metadata().requiresPushedAuthorizationRequests())
            metadata.put("require_pushed_authorization_requests", true);
        if (self.metadata().getDPoPBoundAccessTokens()) metadata.put("dpop_bound_access_tokens", true);
    }

    /** RFC 7592 §2.3 and the administrators' DELETE: the client, with what {@link Deleted} ends; false when none. */
    public boolean delete(String clientId, UUID actor, RequestInfo info) {
        boolean deleted = db.inTransaction(h -> {
            boolean d = store.delete(h, clientId);
            clients.invalidate(h, clientId);
            if (d) this.deleted.deleted(h, clientId);
            if (d)
                audit.record(
                        h,
                        AuditEvent.success("client.deleted", null).actor(actor).details(Map.of("client_id", clientId)),
                        info);
            return d;
        });
        return deleted;
    }
}
