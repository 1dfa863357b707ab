package dev.gatehouse.oauth.clients;

import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientMetadata;
import dev.gatehouse.oauth.OAuthError;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * RFC 7591 client metadata as Gatehouse accepts it: the Nimbus SDK parses it, and these rules add what the SDK leaves
 * open (field types and text hygiene named by field, redirect URIs per OAuth 2.1 and RFC 8252, the OIDC settings and
 * algorithms the key ring has, inline keys for {@code private_key_jwt}, the logout URIs). Every refusal is an RFC 7591
 * error naming the field. Pure functions: nothing here reads or writes the database.
 */
public final class ClientMetadataRules {
    private ClientMetadataRules() {}

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

    /**
     * Gatehouse's own metadata ({@link OAuthClient}): the only members kept beyond those the SDK knows. Any other member
     * is not understood, so it is ignored (RFC 7591 §2) by removing it: neither stored nor answered as registered (§3.2.1).
     */
    static final Set<String> OWN_FIELDS =
            Set.of(OAuthClient.RESOURCES, OAuthClient.ACCESS_TOKEN_ALG, OAuthClient.IMPERSONATION);

    private static final String NO_CIBA = "is not supported: there is no CIBA backchannel authentication";
    private static final String NO_MTLS = "is not supported: there is no mutual-TLS client authentication";

    /**
     * Members the SDK knows that ask for what Gatehouse does not do, refused for the reason {@link #checkOidcSettings}
     * gives: kept and answered as registered, they would tell the client it gets what it does not.
     */
    static final Map<String, String> UNSUPPORTED = Map.ofEntries(
            Map.entry(
                    "authorization_details_types",
                    "is not supported: authorization requests take no authorization_details (RFC 9396)"),
            Map.entry("backchannel_token_delivery_mode", NO_CIBA),
            Map.entry("backchannel_client_notification_endpoint", NO_CIBA),
            Map.entry("backchannel_authentication_request_signing_alg", NO_CIBA),
            Map.entry("backchannel_user_code_parameter", NO_CIBA),
            Map.entry(
                    "signed_jwks_uri",
                    "is not supported: Gatehouse fetches no client URLs; register public keys inline as jwks"),
            Map.entry("client_registration_types", "is not supported: there is no OpenID Federation registration"),
            Map.entry("digest_algorithm", "is not supported: there are no OpenID Identity Assurance attachments"),
            Map.entry("tls_client_auth_subject_dn", NO_MTLS),
            Map.entry("tls_client_auth_san_dns", NO_MTLS),
            Map.entry("tls_client_auth_san_uri", NO_MTLS),
            Map.entry("tls_client_auth_san_ip", NO_MTLS),
            Map.entry("tls_client_auth_san_email", NO_MTLS),
            // OIDC Registration §2: an _enc member needs its _alg, which checkOidcSettings refuses.
            Map.entry("id_token_encrypted_response_enc", "is not supported: ID tokens are not encrypted"),
            Map.entry("userinfo_encrypted_response_enc", "is not supported: userinfo answers are plain JSON"),
            Map.entry(
                    "request_object_encryption_enc",
                    "is not supported: request objects are not (use pushed authorization requests)"),
            Map.entry(
                    "authorization_encrypted_response_enc",
                    "is not supported: authorization responses are not JWTs (JARM)"));

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
        MetadataShapes.check(json);
        json.forEach((field, value) -> {
            if (value != null && UNSUPPORTED.containsKey(field)) throw metadataError(field, UNSUPPORTED.get(field));
        });
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
        dropUnknown(m);
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
        if (m.getRedirectionURIs() != null) for (URI uri : m.getRedirectionURIs()) ClientUris.checkRedirect(uri);
        ClientUris.checkLogoutMetadata(m);
        ApplicationTypeRule.check(m);
        checkOidcSettings(m);
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

    /** RFC 7591 §2: removes the members neither the SDK nor Gatehouse ({@link #OWN_FIELDS}) knows. */
    static void dropUnknown(OIDCClientMetadata m) {
        var own = new net.minidev.json.JSONObject();
        m.getCustomFields().forEach((field, value) -> {
            if (OWN_FIELDS.contains(field)) own.put(field, value);
        });
        m.setCustomFields(own);
    }

    /** The SDK's messages quote the offending parameter, e.g. {@code Invalid "redirect_uris" parameter}. */
    private static String fieldNamedIn(String message) {
        var m = java.util.regex.Pattern.compile("\"([a-z_]+)\"").matcher(message == null ? "" : message);
        return m.find() ? m.group(1) : null;
    }

    static OAuthError metadataError(String field, String message) {
        String code = field.equals("redirect_uris") ? "invalid_redirect_uri" : "invalid_client_metadata";
        return new OAuthError(400, code, field + " " + message, field);
    }
}
