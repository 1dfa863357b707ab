package dev.gatehouse.oauth.clients;

import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientMetadata;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.oauth.OAuthError;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.ClusterEvents;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.db.RecentReads;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RequestInfo;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * OAuth clients: registration with RFC 7591 metadata (validated by the Nimbus SDK plus Gatehouse's rules), secrets
 * generated with 256 bits of entropy and stored as SHA-256 (so checking one costs a hash, not a password hash), and
 * client authentication at the token, introspection and revocation endpoints.
 */
public final class ClientService {
    public static final Set<GrantType> SUPPORTED_GRANTS = Set.of(
            GrantType.AUTHORIZATION_CODE,
            GrantType.REFRESH_TOKEN,
            GrantType.CLIENT_CREDENTIALS,
            GrantType.DEVICE_CODE,
            GrantType.TOKEN_EXCHANGE);
    public static final Set<ClientAuthenticationMethod> SUPPORTED_AUTH = Set.of(
            ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
            ClientAuthenticationMethod.CLIENT_SECRET_POST,
            ClientAuthenticationMethod.PRIVATE_KEY_JWT,
            ClientAuthenticationMethod.NONE);

    /**
     * Algorithms the key ring can sign a client's ID and access tokens with ({@code KeyRing.SUPPORTED}, which a test
     * holds this to), RS256 first as OIDC Registration §2's default.
     */
    public static final List<String> ID_TOKEN_ALGS = List.of("RS256", "PS256", "ES256", "EdDSA");

    /** A client as just created or re-keyed: the only moment its secret exists in plain text. */
    public record Issued(OAuthClient client, Optional<String> secret, Optional<String> registrationToken) {}

    private final Database db;
    private final ClientStore store;
    private final Secrets secrets;
    private final AuditLog audit;
    private final Clock clock;
    /**
     * How long a client read from the table is used without reading it again. A change on this node shows at once,
     * and on the other nodes of a cluster when its event arrives ({@link #shareCacheInvalidations}); one they miss
     * still shows within this (ADR 0013).
     */
    static final Duration RECENT = Duration.ofSeconds(30);

    private final RecentReads<String, OAuthClient> recent;
    private volatile Deleted deleted = (h, clientId) -> {};
    private volatile SessionsEnded sessionsEnded = (h, clientId) -> 0;
    private final ClientAssertions assertions;

    /**
     * The scopes table as registration sees it (the scopes feature, wired in App): a client may only register scopes
     * that exist, and those stay until no client registers them.
     */
    public interface KnownScopes {
        /** Of {@code names}, those the table has, locked until {@code h}'s transaction ends. */
        Set<String> lockKnown(Handle h, Set<String> names);
    }

    private final KnownScopes knownScopes;

    /** With {@code assertions}, clients can authenticate with {@code private_key_jwt}. */
    public ClientService(
            Database db,
            ClientStore store,
            Secrets secrets,
            AuditLog audit,
            Clock clock,
            ClientAssertions assertions,
            KnownScopes knownScopes) {
        this.assertions = assertions;
        this.knownScopes = knownScopes;
        this.recent = new RecentReads<>(clock, RECENT, 10_000);
        this.db = db;
        this.store = store;
        this.secrets = secrets;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * The fields of a registration response (RFC 7591 §3.2.1, RFC 7592 §3) that are the server's, not client metadata:
     * a caller sending them is ignored (RFC 7591 §2), so they are never stored nor echoed as the caller wrote them.
     */
    static final Set<String> RESPONSE_ONLY = Set.of(
            "client_id",
            "client_secret",
            "client_id_issued_at",
            "client_secret_expires_at",
            "registration_access_token",
            "registration_client_uri");

    /** Parses and checks RFC 7591 metadata; throws {@code invalid_client_metadata} or {@code invalid_redirect_uri}. */
    public static OIDCClientMetadata validate(Map<String, Object> request) {
        // The SDK drops these too; not relying on it keeps a chosen secret out of the database whatever its version.
        var json = new LinkedHashMap<>(request);
        json.keySet().removeAll(RESPONSE_ONLY);
        // RFC 7591 §3.1.1 lets a server that does not support software statements ignore them; it refuses them instead
        // (§3.2.2), since one stored and echoed back unverified would read as if its claims had been accepted.
        if (json.remove("software_statement") != null)
            throw new OAuthError(
                    400,
                    "unapproved_software_statement",
                    "software statements are not accepted by this server: send the metadata as plain JSON",
                    "software_statement");
        checkShapes(json);
        boolean responseTypesSent = json.get("response_types") != null;
        OIDCClientMetadata m;
        try {
            m = OIDCClientMetadata.parse(JSONObjectUtils.parse(net.minidev.json.JSONValue.toJSONString(json)));
        } catch (ParseException e) {
            String code = e.getErrorObject() != null
                            && "invalid_redirect_uri".equals(e.getErrorObject().getCode())
                    ? "invalid_redirect_uri"
                    : "invalid_client_metadata";
            throw new OAuthError(400, code, e.getMessage(), fieldNamedIn(e.getMessage()));
        } catch (RuntimeException e) {
            throw new OAuthError(400, "invalid_client_metadata", "the client metadata is malformed");
        }
        m.applyDefaults();
        ResponseAndGrantTypes.defaultResponseTypes(m, responseTypesSent);
        if (!SUPPORTED_AUTH.contains(m.getTokenEndpointAuthMethod())) {
            throw new OAuthError(
                    400,
                    "invalid_client_metadata",
                    "token_endpoint_auth_method must be one of "
                            + SUPPORTED_AUTH.stream()
                                    .map(Object::toString)
                                    .sorted()
                                    .toList(),
                    "token_endpoint_auth_method");
        }
        checkKeys(m);
        for (GrantType g : m.getGrantTypes()) {
            // OIDC Registration §2: a client using code id_token lists implicit among its grant types, for the ID
            // token the authorization endpoint returns; ResponseAndGrantTypes accepts it only with that response type,
            // and it means nothing more (no token response type exists here).
            if (!SUPPORTED_GRANTS.contains(g) && !GrantType.IMPLICIT.equals(g))
                throw new OAuthError(400, "invalid_client_metadata", "unsupported grant type " + g, "grant_types");
        }
        for (ResponseType rt : m.getResponseTypes()) {
            if (!rt.equals(ResponseType.CODE) && !rt.equals(ResponseType.CODE_IDTOKEN))
                throw new OAuthError(
                        400,
                        "invalid_client_metadata",
                        "response types must be code or code id_token",
                        "response_types");
        }
        ResponseAndGrantTypes.check(m);
        if (m.getIDTokenJWSAlg() != null
                && !ID_TOKEN_ALGS.contains(m.getIDTokenJWSAlg().getName())) {
            throw new OAuthError(
                    400,
                    "invalid_client_metadata",
                    "id_token_signed_response_alg must be one of " + ID_TOKEN_ALGS,
                    "id_token_signed_response_alg");
        }
        boolean isPublic = ClientAuthenticationMethod.NONE.equals(m.getTokenEndpointAuthMethod());
        if (isPublic && m.getGrantTypes().contains(GrantType.CLIENT_CREDENTIALS)) {
            throw new OAuthError(
                    400, "invalid_client_metadata", "public clients cannot use client_credentials", "grant_types");
        }
        if (isPublic && m.getGrantTypes().contains(GrantType.TOKEN_EXCHANGE)) {
            throw new OAuthError(
                    400, "invalid_client_metadata", "public clients cannot use token exchange", "grant_types");
        }
        boolean browserFlow = m.getGrantTypes().contains(GrantType.AUTHORIZATION_CODE);
        if (browserFlow
                && (m.getRedirectionURIs() == null || m.getRedirectionURIs().isEmpty())) {
            throw new OAuthError(
                    400, "invalid_redirect_uri", "redirect_uris are required for authorization_code", "redirect_uris");
        }
        // Whatever the grant types: the authorization endpoint sends even its refusals to a registered redirect URI
        // (RFC 6749 §4.1.2.1), so a client_credentials client must not register one that is not checked.
        if (m.getRedirectionURIs() != null) for (URI uri : m.getRedirectionURIs()) checkRedirect(uri);
        checkLogoutMetadata(m);
        ApplicationTypeRule.check(m);
        checkOidcSettings(m);
        if (m.getName() != null && m.getName().length() > 200) {
            throw new OAuthError(
                    400, "invalid_client_metadata", "client_name must be at most 200 characters", "client_name");
        }
        // The consent, device and logout pages show the name to users: no control characters, and no bidirectional
        // overrides, which could make "evil.example" read as something else.
        if (m.getName() != null && m.getName().codePoints().anyMatch(ClientService::misleading)) {
            throw metadataError("client_name", "must not contain control or bidirectional formatting characters");
        }
        return m;
    }

    /**
     * OIDC Registration §2 and RFC 7591 settings Gatehouse cannot honour are refused rather than ignored: a client
     * asking for pairwise subjects (or their sector identifier), signed or encrypted userinfo, encrypted ID tokens,
     * request objects, JWT authorization responses (JARM) or mutual-TLS bound tokens (RFC 8705) would otherwise get
     * what it did not ask for without being told. Discovery advertises the same (public subjects, plain-JSON userinfo, signed ID tokens).
     */
    private static void checkOidcSettings(OIDCClientMetadata m) {
        if (m.getSubjectType() != null && m.getSubjectType() != com.nimbusds.openid.connect.sdk.SubjectType.PUBLIC)
            throw new OAuthError(400, "invalid_client_metadata", "subject_type must be public", "subject_type");
        if (m.getUserInfoJWSAlg() != null)
            throw new OAuthError(
                    400,
                    "invalid_client_metadata",
                    "userinfo answers are plain JSON: userinfo_signed_response_alg is not supported",
                    "userinfo_signed_response_alg");
        if (m.getUserInfoJWEAlg() != null || m.getIDTokenJWEAlg() != null)
            throw new OAuthError(
                    400,
                    "invalid_client_metadata",
                    "encrypted ID tokens and userinfo answers are not supported",
                    m.getIDTokenJWEAlg() != null
                            ? "id_token_encrypted_response_alg"
                            : "userinfo_encrypted_response_alg");
        if (m.getSectorIDURI() != null)
            throw metadataError("sector_identifier_uri", "is only for pairwise subjects, and subjects here are public");
        if (m.getRequestObjectURIs() != null
                || m.getRequestObjectJWSAlg() != null
                || m.getRequestObjectJWEAlg() != null)
            throw metadataError(
                    m.getRequestObjectURIs() != null ? "request_uris" : "request_object_signing_alg",
                    "is not supported: request objects are not (use pushed authorization requests)");
        if (m.getAuthorizationJWSAlg() != null || m.getAuthorizationJWEAlg() != null)
            throw metadataError(
                    "authorization_signed_response_alg",
                    "is not supported: authorization responses are not JWTs (JARM)");
        if (m.getTLSClientCertificateBoundAccessTokens())
            throw metadataError(
                    "tls_client_certificate_bound_access_tokens",
                    "is not supported: tokens are sender-constrained with DPoP (dpop_bound_access_tokens)");
    }

    /** RFC 7523 clients register their public keys inline; Gatehouse does not fetch {@code jwks_uri}. */
    private static void checkKeys(OIDCClientMetadata m) {
        // RFC 7591 §2: jwks_uri and jwks "MUST NOT both be present", whatever the authentication method.
        if (m.getJWKSetURI() != null && m.getJWKSet() != null) {
            throw new OAuthError(
                    400, "invalid_client_metadata", "jwks_uri and jwks must not both be present", "jwks_uri");
        }
        boolean keyAuth = ClientAuthenticationMethod.PRIVATE_KEY_JWT.equals(m.getTokenEndpointAuthMethod());
        // Nothing would ever read it (Gatehouse fetches no client URLs), and storing it would suggest otherwise.
        if (m.getJWKSetURI() != null) {
            throw new OAuthError(
                    400,
                    "invalid_client_metadata",
                    "jwks_uri is not supported: Gatehouse fetches no client URLs; register public keys inline as jwks",
                    "jwks_uri");
        }
        if (keyAuth && (m.getJWKSet() == null || m.getJWKSet().isEmpty())) {
            throw new OAuthError(
                    400, "invalid_client_metadata", "private_key_jwt needs the client's public keys in jwks", "jwks");
        }
        if (m.getJWKSet() != null) {
            if (m.getJWKSet().size() > 10)
                throw new OAuthError(400, "invalid_client_metadata", "jwks may hold at most 10 keys", "jwks");
            for (var key : m.getJWKSet().getKeys()) {
                dev.gatehouse.platform.crypto.PublicJwks.problem(key).ifPresent(p -> {
                    throw new OAuthError(400, "invalid_client_metadata", "jwks: " + p, "jwks");
                });
            }
        }
        if (m.getTokenEndpointAuthJWSAlg() != null
                && !dev.gatehouse.platform.crypto.PublicJwks.ALGS.contains(m.getTokenEndpointAuthJWSAlg())) {
            throw new OAuthError(
                    400,
                    "invalid_client_metadata",
                    "token_endpoint_auth_signing_alg must be one of "
                            + dev.gatehouse.platform.crypto.PublicJwks.algNames(),
                    "token_endpoint_auth_signing_alg");
        }
    }

    private static final Set<String> TEXT_FIELDS = Set.of(
            "client_name",
            "token_endpoint_auth_method",
            "token_endpoint_auth_signing_alg",
            "scope",
            "id_token_signed_response_alg",
            "client_uri",
            "logo_uri",
            "tos_uri",
            "policy_uri",
            "jwks_uri",
            "software_id",
            "software_version",
            "frontchannel_logout_uri",
            "backchannel_logout_uri",
            "sector_identifier_uri",
            "subject_type",
            "userinfo_signed_response_alg",
            "application_type",
            "initiate_login_uri");
    private static final Set<String> WEB_PAGE_FIELDS =
            Set.of("client_uri", "logo_uri", "tos_uri", "policy_uri", "initiate_login_uri");

    private static boolean isWebPage(String s) {
        try {
            var u = new java.net.URI(s);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
            return (scheme.equals("https") || scheme.equals("http")) && u.getHost() != null && u.getFragment() == null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static final Set<String> BOOLEAN_FIELDS = Set.of(
            OAuthClient.IMPERSONATION,
            "require_auth_time",
            "frontchannel_logout_session_required",
            "backchannel_logout_session_required");
    private static final Set<String> LIST_FIELDS = Set.of(
            "redirect_uris",
            "grant_types",
            "response_types",
            "post_logout_redirect_uris",
            "contacts",
            "request_uris",
            "default_acr_values",
            OAuthClient.RESOURCES);

    /** Types and text hygiene of the metadata Gatehouse knows, checked before the SDK sees it, naming the field. */
    static void checkShapes(Map<String, Object> json) {
        // Every field's JSON type first, then the values: a field of the wrong type is named even when another field's
        // value is wrong too.
        json.forEach(ClientService::checkType);
        json.forEach(ClientService::checkValue);
    }

    private static void checkType(String field, Object v) {
        if (v == null) return;
        if (BOOLEAN_FIELDS.contains(field) && !(v instanceof Boolean))
            throw metadataError(field, "must be true or false");
        if (field.equals("default_max_age") && !(v instanceof Integer))
            throw metadataError(field, "must be a non-negative number of seconds");
        if (field.equals("application_type") && !(v instanceof String))
            throw metadataError(field, "must be web or native");
        if (field.equals(OAuthClient.ACCESS_TOKEN_ALG) && !(v instanceof String))
            throw metadataError(field, "must be one of " + ID_TOKEN_ALGS);
        if (TEXT_FIELDS.contains(field) && !(v instanceof String)) throw metadataError(field, "must be a string");
        if (LIST_FIELDS.contains(field)
                && !(v instanceof List<?> list && list.stream().allMatch(item -> item instanceof String)))
            throw metadataError(field, "must be an array of strings");
    }

    private static void checkValue(String field, Object v) {
        if (v == null) return;
        if (field.equals("default_max_age") && (Integer) v < 0)
            throw metadataError(field, "must be a non-negative number of seconds");
        // OIDC Registration §2 defines these two; the SDK would also take other spellings, such as NATIVE.
        if (field.equals("application_type") && !(v.equals("web") || v.equals("native")))
            throw metadataError(field, "must be web or native");
        if (field.equals(OAuthClient.ACCESS_TOKEN_ALG) && !ID_TOKEN_ALGS.contains((String) v))
            throw metadataError(field, "must be one of " + ID_TOKEN_ALGS);
        // Shown to users or followed by their browsers: a web page's address, never javascript: or data:.
        if (WEB_PAGE_FIELDS.contains(field) && v instanceof String s && !isWebPage(s))
            throw metadataError(field, "must be an absolute http or https URL");
        int max = field.equals("client_name") ? 200 : 2000;
        if (TEXT_FIELDS.contains(field)) {
            dev.gatehouse.platform.http.Validator.textProblem((String) v, max).ifPresent(m -> {
                throw metadataError(field, m);
            });
        } else if (LIST_FIELDS.contains(field)) {
            List<?> list = (List<?>) v;
            if (list.size() > 50) throw metadataError(field, "must have at most 50 entries");
            for (Object item : list) {
                dev.gatehouse.platform.http.Validator.textProblem((String) item, max)
                        .ifPresent(m -> {
                            throw metadataError(field, m);
                        });
            }
            // A resource is an absolute URI (RFC 8707 §2); a token-exchange audience may be a name (RFC 8693 §2.1).
            if (field.equals(OAuthClient.RESOURCES)
                    && list.stream()
                            .map(String.class::cast)
                            .anyMatch(r -> r.isEmpty()
                                    || r.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)
                                    || r.indexOf('#') >= 0))
                throw metadataError(field, "must be absolute URIs without fragment, or audience names without spaces");
        }
    }

    /** The SDK's messages quote the offending parameter, e.g. {@code Invalid "redirect_uris" parameter}. */
    private static String fieldNamedIn(String message) {
        var m = java.util.regex.Pattern.compile("\"([a-z_]+)\"").matcher(message == null ? "" : message);
        return m.find() ? m.group(1) : null;
    }

    private static boolean misleading(int c) {
        return Character.isISOControl(c)
                || c == 0x061C
                || c == 0x200E
                || c == 0x200F
                || (c >= 0x202A && c <= 0x202E)
                || (c >= 0x2066 && c <= 0x2069);
    }

    static OAuthError metadataError(String field, String message) {
        String code = field.equals("redirect_uris") ? "invalid_redirect_uri" : "invalid_client_metadata";
        return new OAuthError(400, code, field + " " + message, field);
    }

    /**
     * RP-Initiated Logout §3.1, Front-Channel Logout §2 and Back-Channel Logout §2.2: logout URIs are absolute, have no
     * fragment, and use https or loopback http (the back-channel one is called by the server, so never anything that
     * could reach an internal service by name). A front-channel URI shares scheme, host and port with a redirect URI.
     */
    private static void checkLogoutMetadata(OIDCClientMetadata m) {
        if (m.getPostLogoutRedirectionURIs() != null) {
            for (URI uri : m.getPostLogoutRedirectionURIs()) {
                try {
                    checkRedirect(uri);
                } catch (OAuthError e) {
                    throw metadataError(
                            "post_logout_redirect_uris",
                            "must be absolute, without fragment, and https,"
                                    + " loopback http or a private-use scheme: " + uri);
                }
            }
        }
        URI front = m.getFrontChannelLogoutURI();
        if (front != null) {
            checkWebUri("frontchannel_logout_uri", front);
            boolean sameOrigin = m.getRedirectionURIs() != null
                    && m.getRedirectionURIs().stream()
                            .anyMatch(r -> front.getScheme().equalsIgnoreCase(r.getScheme())
                                    && front.getHost().equalsIgnoreCase(String.valueOf(r.getHost()))
                                    && front.getPort() == r.getPort());
            if (!sameOrigin)
                throw metadataError(
                        "frontchannel_logout_uri", "must have the scheme, host and port of a registered redirect URI");
        }
        if (m.getBackChannelLogoutURI() != null) checkWebUri("backchannel_logout_uri", m.getBackChannelLogoutURI());
    }

    private static void checkWebUri(String field, URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null || !uri.isAbsolute() || uri.getHost() == null || uri.getFragment() != null)
            throw metadataError(field, "must be an absolute URI without fragment");
        boolean loopback = "http".equals(scheme)
                && ("localhost".equals(uri.getHost())
                        || "127.0.0.1".equals(uri.getHost())
                        || "[::1]".equals(uri.getHost()));
        if (!"https".equals(scheme) && !loopback) throw metadataError(field, "must use https (or loopback http)");
    }

    // OAuth 2.1 §2.3.1 / RFC 8252: https, loopback http, or a private-use scheme; never a fragment. An http(s) URI
    // names a host, and no URI carries user info: https://app.example@evil.example/cb goes to evil.example.
    private static void checkRedirect(URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null || !uri.isAbsolute() || uri.getFragment() != null) {
            throw new OAuthError(
                    400,
                    "invalid_redirect_uri",
                    "redirect URIs must be absolute and have no fragment: " + uri,
                    "redirect_uris");
        }
        boolean web = "http".equals(scheme) || "https".equals(scheme);
        if (uri.getRawUserInfo() != null
                || (web && (uri.getHost() == null || uri.getHost().isEmpty()))) {
            throw new OAuthError(
                    400,
                    "invalid_redirect_uri",
                    "redirect URIs must have no user info, and http(s) ones a host: " + uri,
                    "redirect_uris");
        }
        boolean loopback = "http".equals(scheme)
                && ("localhost".equals(uri.getHost())
                        || "127.0.0.1".equals(uri.getHost())
                        || "[::1]".equals(uri.getHost()));
        boolean privateUse = !scheme.equals("http") && !scheme.equals("https") && scheme.contains(".");
        if (!"https".equals(scheme) && !loopback && !privateUse) {
            throw new OAuthError(
                    400,
                    "invalid_redirect_uri",
                    "redirect URIs must use https, loopback http or a private-use scheme: " + uri,
                    "redirect_uris");
        }
    }

    public Issued create(Map<String, Object> metadataJson, boolean firstParty, UUID actor, RequestInfo info) {
        return create(metadataJson, firstParty, false, actor, info);
    }

    /** With {@code registrationToken}, also issues an RFC 7592 registration access token for self-management. */
    public Issued create(
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
    public Issued register(
            Map<String, Object> metadataJson, InitialAccessTokens tokens, String token, RequestInfo info) {
        var allowance = tokens.allowance(token);
        var metadata = new LinkedHashMap<>(metadataJson);
        InitialAccessTokens.limit(metadata, allowance);
        return create(
                metadata,
                false,
                true,
                null,
                info,
                h -> tokens.spend(h, allowance),
                Map.of("initial_access_token_id", allowance.id().toString()));
    }

    /**
     * Open registration (GATEHOUSE_OPEN_CLIENT_REGISTRATION): no token at all, and the limits of an initial access token
     * made with the defaults (ADR 0029).
     */
    public Issued registerOpenly(Map<String, Object> metadataJson, RequestInfo info) {
        var metadata = new LinkedHashMap<>(metadataJson);
        InitialAccessTokens.limit(metadata, InitialAccessTokens.open());
        return create(metadata, false, true, null, info, h -> {}, Map.of("open_registration", true));
    }

    private Issued create(
            Map<String, Object> metadataJson,
            boolean firstParty,
            boolean registrationToken,
            UUID actor,
            RequestInfo info,
            java.util.function.Consumer<Handle> admit,
            Map<String, Object> auditDetails) {
        OIDCClientMetadata m = validate(metadataJson);
        Optional<String> rat = registrationToken ? Optional.of(secrets.token("grt_")) : Optional.empty();
        Instant now = clock.instant();
        String clientId = "gc_" + secrets.token("").substring(0, 22);
        Optional<String> secret =
                usesSecret(m.getTokenEndpointAuthMethod()) ? Optional.of(secrets.token("gcs_")) : Optional.empty();
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
        return new Issued(open(row), secret, rat);
    }

    /**
     * A client may only register scopes the scopes table has (RFC 7591 §2 leaves the values to the server): a name
     * that is not there is usually a typo, and would otherwise be granted without a description on the consent page
     * and outlive any decision to delete it.
     */
    private void requireKnownScopes(Handle h, OIDCClientMetadata m) {
        if (m.getScope() == null) return;
        var named = new java.util.TreeSet<>(m.getScope().toStringList());
        named.removeAll(knownScopes.lockKnown(h, named));
        if (named.isEmpty()) return;
        String shown = String.join(" ", named.stream().limit(10).toList()) + (named.size() > 10 ? " ..." : "");
        throw metadataError(
                "scope",
                "names scopes this server does not have (" + shown
                        + "); an administrator creates them at /v1/admin/scopes");
    }

    /** RFC 7592: the client's own registration access token, compared in constant time; empty when wrong. */
    public Optional<OAuthClient> byRegistrationToken(String clientId, String token) {
        if (token == null || !token.startsWith("grt_")) return Optional.empty();
        return db.withHandle(h -> store.byId(h, clientId))
                .filter(r -> r.registrationTokenHash() != null
                        && Secrets.constantTimeEquals(r.registrationTokenHash(), Secrets.sha256(token)))
                .map(ClientService::open);
    }

    public Optional<OAuthClient> find(String clientId) {
        if (clientId == null || clientId.length() > 64) return Optional.empty();
        // Only found clients are cached, so random ids cannot grow the cache.
        return recent.get(clientId, id -> db.withHandle(h -> store.byId(h, id)).map(ClientService::open));
    }

    /** Sends this node's client changes to the other nodes of a cluster, and applies theirs here (ADR 0013). */
    public void shareCacheInvalidations(ClusterEvents events) {
        recent.shareInvalidations(events, "client_changed", id -> id);
    }

    /**
     * The CORS headers of an answer to a request from {@code origin} (null without one) for client {@code clientId}:
     * readable by the origins of its redirect URIs only (ADR 0017).
     */
    public Map<String, String> cors(String origin, String clientId) {
        if (origin == null) return Map.of();
        return dev.gatehouse.platform.http.Cors.answer(
                origin, find(clientId).filter(c -> c.allowsOrigin(origin)).isPresent());
    }

    /**
     * The same for a client-authenticated request (token, revocation, PAR): the client is the one its
     * {@code Authorization} header or {@code client_id} names; an answer to a request naming no client is not readable.
     */
    public Map<String, String> cors(String origin, String authorization, Map<String, List<String>> form) {
        if (origin == null) return Map.of();
        String clientId;
        try {
            clientId = ClientAuthParser.parse(authorization, form).clientId();
        } catch (OAuthError e) {
            return dev.gatehouse.platform.http.Cors.answer(origin, false);
        }
        return cors(origin, clientId);
    }

    public List<OAuthClient> list(int limit, int offset) {
        return db.withHandle(h -> store.list(h, limit, offset)).stream()
                .map(ClientService::open)
                .toList();
    }

    /**
     * Replaces a client's metadata. A switch to a secret method (from {@code private_key_jwt}) issues a secret, shown
     * once in the answer, since the client had none; a switch away from one drops the secret's hash.
     */
    public Issued update(String clientId, Map<String, Object> metadataJson, UUID actor, RequestInfo info) {
        OIDCClientMetadata m = validate(metadataJson);
        OAuthClient current =
                find(clientId).orElseThrow(() -> new OAuthError(404, "invalid_client_id", "no such client"));
        boolean nowPublic = ClientAuthenticationMethod.NONE.equals(m.getTokenEndpointAuthMethod());
        if (nowPublic != current.isPublic()) {
            throw new OAuthError(
                    400, "invalid_client_metadata", "a client cannot switch between public and confidential");
        }
        Instant now = clock.instant();
        // validate() applied the defaults, so the method is set (client_secret_basic unless named).
        boolean secretMethod = usesSecret(m.getTokenEndpointAuthMethod());
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
            recent.invalidate(h, clientId);
            audit.record(
                    h,
                    AuditEvent.success("client.updated", null).actor(actor).details(Map.of("client_id", clientId)),
                    info);
        });
        return new Issued(open(row), Optional.ofNullable(newSecret), Optional.empty());
    }

    /**
     * RFC 7592 §2.2: a client replacing its own registration names its client_id, and a client_secret it includes must
     * be its current one (checked as at the token endpoint, never stored). Impersonation is an administrator's
     * decision, so the stored value stays whatever the request says.
     */
    public Issued updateOwn(OAuthClient self, Map<String, Object> request, RequestInfo info) {
        if (!self.clientId().equals(request.get("client_id")))
            throw new OAuthError(
                    400, "invalid_client_metadata", "client_id must be present and name this client", "client_id");
        Object secret = request.get("client_secret");
        if (secret != null && !(secret instanceof String s && secretMatches(self, s)))
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
                throw metadataError(
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
            throw metadataError("grant_types", "may only narrow the registered grant types " + grantsNow);
        List<String> resourcesNow = self.resources();
        Object resourcesAsked = metadata.get(OAuthClient.RESOURCES);
        if (resourcesAsked == null) {
            if (!resourcesNow.isEmpty()) metadata.put(OAuthClient.RESOURCES, resourcesNow);
        } else if (!(resourcesAsked instanceof List<?> l) || !resourcesNow.containsAll(l))
            throw metadataError(OAuthClient.RESOURCES, "may only narrow the registered resources");
        if (self.metadata().requiresPushedAuthorizationRequests())
            metadata.put("require_pushed_authorization_requests", true);
        if (self.metadata().getDPoPBoundAccessTokens()) metadata.put("dpop_bound_access_tokens", true);
    }

    /** The ids of the clients whose registered scope names {@code scope}, read in {@code h}'s transaction. */
    public List<String> registering(Handle h, String scope) {
        return store.registering(h, scope);
    }

    /** What else goes with a deleted client, inside the deleting transaction (its sessions, its consents). */
    public interface Deleted {
        void deleted(org.jdbi.v3.core.Handle h, String clientId);
    }

    /** Sets {@link Deleted}: App wires the features that build on clients here. Set once, at assembly. */
    public void whenDeleted(Deleted listener) {
        this.deleted = java.util.Objects.requireNonNull(listener);
    }

    /** Ends every session of a client inside the caller's transaction; the number ended. */
    public interface SessionsEnded {
        int endAll(org.jdbi.v3.core.Handle h, String clientId);
    }

    /** Sets {@link SessionsEnded} for {@link #revokeTokens}. Set once, at assembly. */
    public void whenTokensRevoked(SessionsEnded listener) {
        this.sessionsEnded = java.util.Objects.requireNonNull(listener);
    }

    /** What {@link #revokeTokens} did: the sessions it ended, and the instant before which sessionless tokens fail. */
    public record TokensRevoked(int sessionsEnded, Instant notBefore) {}

    /**
     * Incident response: every token the client holds stops working on every node. Its sessions end (their refresh
     * tokens and session-bound access tokens with them), and its access tokens of no session (client credentials,
     * token exchange) issued before now are refused. Access tokens carry {@code iat} in whole seconds, so those issued
     * in the current second are refused too, also one issued right after this call within that second.
     */
    public TokensRevoked revokeTokens(String clientId, UUID actor, RequestInfo info) {
        Instant notBefore = clock.instant()
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .plusSeconds(1);
        int ended = db.inTransaction(h -> {
            if (!store.revokeTokens(h, clientId, notBefore)) throw Problem.notFound("The client");
            int n = sessionsEnded.endAll(h, clientId);
            recent.invalidate(h, clientId);
            audit.record(
                    h,
                    AuditEvent.success("client.tokens_revoked", null)
                            .actor(actor)
                            .details(Map.of(
                                    "client_id", clientId,
                                    "sessions_ended", n,
                                    "tokens_not_before", notBefore.toString())),
                    info);
            return n;
        });
        return new TokensRevoked(ended, notBefore);
    }

    /**
     * Whether a sessionless access token of {@code clientId} issued at {@code issuedAt} is still accepted: the client
     * is registered, and its tokens were not revoked after that ({@link #revokeTokens}). From the clients cache.
     */
    public boolean acceptsTokenIssuedAt(String clientId, Instant issuedAt) {
        var c = find(clientId);
        if (c.isEmpty()) return false;
        var notBefore = c.get().tokensNotBefore();
        return notBefore.isEmpty() || (issuedAt != null && !issuedAt.isBefore(notBefore.get()));
    }

    public boolean delete(String clientId, UUID actor, RequestInfo info) {
        boolean deleted = db.inTransaction(h -> {
            boolean d = store.delete(h, clientId);
            recent.invalidate(h, clientId);
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

    /** The longest a replaced secret may stay valid after a rotation. */
    public static final Duration MAX_SECRET_OVERLAP = Duration.ofDays(7);

    /**
     * A new secret, shown once. With a positive {@code keepPrevious} the current secret stays valid that long, so the
     * client's deployments can move to the new one without failing in between; a secret an earlier rotation kept
     * stops now either way. Zero: the current secret stops at once.
     */
    public Issued regenerateSecret(String clientId, Duration keepPrevious, UUID actor, RequestInfo info) {
        if (keepPrevious.isNegative() || keepPrevious.compareTo(MAX_SECRET_OVERLAP) > 0)
            throw Problem.invalidField(
                    "previous_secret_expires_in", "from 0 to " + MAX_SECRET_OVERLAP.toSeconds() + " seconds (7 days)");
        OAuthClient c = find(clientId).orElseThrow(() -> new OAuthError(404, "invalid_client_id", "no such client"));
        if (!usesSecret(c.authMethod()))
            throw new OAuthError(400, "invalid_request", "clients using " + c.authMethod() + " have no secret");
        String secret = secrets.token("gcs_");
        Instant now = clock.instant();
        boolean keep = !keepPrevious.isZero() && c.secretHash().isPresent();
        String previousHash = keep ? c.secretHash().get() : null;
        Instant previousUntil = keep ? now.plus(keepPrevious) : null;
        var row = new ClientStore.Row(
                clientId,
                c.metadata().getName(),
                Secrets.sha256(secret),
                c.metadata().toJSONObject().toJSONString(),
                c.firstParty(),
                null,
                c.createdAt(),
                now,
                previousHash,
                previousUntil,
                c.tokensNotBefore().orElse(null));
        var details = new LinkedHashMap<String, Object>();
        details.put("client_id", clientId);
        if (keep) details.put("previous_secret_expires_at", previousUntil.toString());
        db.useTransaction(h -> {
            if (!store.rotateSecret(h, clientId, row.secretHash(), previousHash, previousUntil, now))
                throw new OAuthError(404, "invalid_client_id", "no such client");
            recent.invalidate(h, clientId);
            audit.record(
                    h,
                    AuditEvent.success("client.secret_regenerated", null)
                            .actor(actor)
                            .details(details),
                    info);
        });
        return new Issued(open(row), Optional.of(secret), Optional.empty());
    }

    /**
     * Authenticates a client by the method it registered (RFC 6749 §2.3). Unknown clients and wrong secrets give the
     * same {@code invalid_client}.
     */
    public OAuthClient authenticate(ClientCredentials presented) {
        OAuthClient c =
                find(presented.clientId()).orElseThrow(() -> OAuthError.invalidClient("client authentication failed"));
        ClientAuthenticationMethod registered = c.authMethod();
        if (!registered.equals(presented.method())) throw OAuthError.invalidClient("client authentication failed");
        if (c.isPublic()) return c;
        if (ClientAuthenticationMethod.PRIVATE_KEY_JWT.equals(registered)) {
            if (assertions == null) throw OAuthError.invalidClient("client authentication failed");
            assertions.verify(c, presented.assertion());
            return c;
        }
        if (!secretMatches(c, presented.secret())) throw OAuthError.invalidClient("client authentication failed");
        return c;
    }

    /**
     * True when {@code secret} is the client's current one, or the one a rotation replaced while it is still accepted,
     * compared as hashes in constant time.
     */
    private boolean secretMatches(OAuthClient c, String secret) {
        if (secret == null) return false;
        String presented = Secrets.sha256(secret);
        boolean current = c.secretHash()
                .filter(expected -> Secrets.constantTimeEquals(expected, presented))
                .isPresent();
        boolean previous = c.previousSecret()
                .filter(p -> clock.instant().isBefore(p.expiresAt()))
                .filter(p -> Secrets.constantTimeEquals(p.hash(), presented))
                .isPresent();
        return current || previous;
    }

    private static boolean usesSecret(ClientAuthenticationMethod method) {
        return ClientAuthenticationMethod.CLIENT_SECRET_BASIC.equals(method)
                || ClientAuthenticationMethod.CLIENT_SECRET_POST.equals(method);
    }

    private static OAuthClient open(ClientStore.Row r) {
        try {
            var m = OIDCClientMetadata.parse(JSONObjectUtils.parse(r.metadataJson()));
            // A registration from before software statements were refused may hold one, never verified: not shown.
            m.setSoftwareStatement(null);
            Optional<OAuthClient.PreviousSecret> previous = r.previousSecretHash() == null
                            || r.previousSecretExpiresAt() == null
                    ? Optional.empty()
                    : Optional.of(new OAuthClient.PreviousSecret(r.previousSecretHash(), r.previousSecretExpiresAt()));
            return new OAuthClient(
                    r.clientId(),
                    Optional.ofNullable(r.secretHash()),
                    m,
                    r.firstParty(),
                    r.createdAt(),
                    r.updatedAt(),
                    previous,
                    Optional.ofNullable(r.tokensNotBefore()));
        } catch (ParseException e) {
            throw new IllegalStateException("stored metadata of " + r.clientId() + " is unreadable", e);
        }
    }
}
