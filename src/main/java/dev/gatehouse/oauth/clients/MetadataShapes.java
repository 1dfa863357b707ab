package dev.gatehouse.oauth.clients;

import static dev.gatehouse.oauth.clients.ClientMetadataRules.metadataError;

import dev.gatehouse.platform.http.Validator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON types and text hygiene of the client metadata Gatehouse knows, checked before the Nimbus SDK parses it, so
 * that a refusal names the field: booleans, numbers of seconds, strings, arrays of strings, web page URLs, and no
 * control or bidirectional formatting characters in text a consent page shows.
 */
final class MetadataShapes {
    private MetadataShapes() {}

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

    /**
     * The human-readable fields RFC 7591 §2.2 lets a client send once per language, as {@code client_name#ja}: shown to
     * users, tagged or not, so each tagged copy gets the checks of the untagged one.
     */
    private static final Set<String> LANGUAGE_TAGGED =
            Set.of("client_name", "client_uri", "logo_uri", "tos_uri", "policy_uri");

    /** The field whose rules apply to {@code field}: its untagged name for a language-tagged one, else itself. */
    private static String rulesOf(String field) {
        int hash = field.indexOf('#');
        if (hash < 0) return field;
        String base = field.substring(0, hash);
        return LANGUAGE_TAGGED.contains(base) ? base : field;
    }

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
    static void check(Map<String, Object> json) {
        // Every field's JSON type first, then the values: a field of the wrong type is named even when another field's
        // value is wrong too.
        json.forEach(MetadataShapes::checkType);
        json.forEach(MetadataShapes::checkValue);
    }

    private static void checkType(String field, Object v) {
        if (v == null) return;
        String rules = rulesOf(field);
        if (BOOLEAN_FIELDS.contains(field) && !(v instanceof Boolean))
            throw metadataError(field, "must be true or false");
        if (field.equals("default_max_age") && !(v instanceof Integer))
            throw metadataError(field, "must be a non-negative number of seconds");
        if (field.equals("application_type") && !(v instanceof String))
            throw metadataError(field, "must be web or native");
        if (field.equals(OAuthClient.ACCESS_TOKEN_ALG) && !(v instanceof String))
            throw metadataError(field, "must be one of " + ClientMetadataRules.ID_TOKEN_ALGS);
        if (TEXT_FIELDS.contains(rules) && !(v instanceof String)) throw metadataError(field, "must be a string");
        if (LIST_FIELDS.contains(field)
                && !(v instanceof List<?> list && list.stream().allMatch(item -> item instanceof String)))
            throw metadataError(field, "must be an array of strings");
    }

    private static void checkValue(String field, Object v) {
        if (v == null) return;
        String rules = rulesOf(field);
        if (field.equals("default_max_age") && (Integer) v < 0)
            throw metadataError(field, "must be a non-negative number of seconds");
        // OIDC Registration §2 defines these two; the SDK would also take other spellings, such as NATIVE.
        if (field.equals("application_type") && !(v.equals("web") || v.equals("native")))
            throw metadataError(field, "must be web or native");
        if (field.equals(OAuthClient.ACCESS_TOKEN_ALG) && !ClientMetadataRules.ID_TOKEN_ALGS.contains((String) v))
            throw metadataError(field, "must be one of " + ClientMetadataRules.ID_TOKEN_ALGS);
        // Shown to users or followed by their browsers: a web page's address, never javascript: or data:.
        if (WEB_PAGE_FIELDS.contains(rules) && v instanceof String s && !isWebPage(s))
            throw metadataError(field, "must be an absolute http or https URL");
        if (LANGUAGE_TAGGED.contains(rules)) {
            // The consent, device and logout pages show the name and pages to users: no bidirectional overrides
            // either, which could make "evil.example" read as something else.
            Validator.shownTextProblem((String) v, rules.equals("client_name") ? 200 : 2000)
                    .ifPresent(m -> {
                        throw metadataError(field, m);
                    });
        } else if (TEXT_FIELDS.contains(rules)) {
            Validator.textProblem((String) v, 2000).ifPresent(m -> {
                throw metadataError(field, m);
            });
        } else if (LIST_FIELDS.contains(field)) {
            List<?> list = (List<?>) v;
            if (list.size() > 50) throw metadataError(field, "must have at most 50 entries");
            for (Object item : list) {
                Validator.textProblem((String) item, 2000).ifPresent(m -> {
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
}
