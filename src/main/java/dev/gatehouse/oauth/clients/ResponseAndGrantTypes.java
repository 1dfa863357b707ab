package dev.gatehouse.oauth.clients;

import static dev.gatehouse.oauth.clients.ClientMetadataRules.metadataError;

import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.openid.connect.sdk.OIDCResponseTypeValue;
import com.nimbusds.openid.connect.sdk.rp.OIDCClientMetadata;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * RFC 7591 §2.1: {@code response_types} and {@code grant_types} go together, and a server "SHOULD take steps to ensure
 * that a client cannot register itself into an inconsistent state". A response type needs the grant types OIDC
 * Registration §2 lists for it ({@code code}: {@code authorization_code}; one with {@code id_token} or {@code token}:
 * {@code implicit}; {@code code id_token}: both), and a browser grant type needs a response type that uses it.
 */
final class ResponseAndGrantTypes {
    private ResponseAndGrantTypes() {}

    /**
     * RFC 7591 §2 defaults {@code response_types} to {@code code}, which only a client that can redeem a code uses: a
     * client that names neither response types nor {@code authorization_code} (a client_credentials or device client)
     * gets none.
     */
    static void defaultResponseTypes(OIDCClientMetadata m, boolean responseTypesSent) {
        if (!responseTypesSent && !m.getGrantTypes().contains(GrantType.AUTHORIZATION_CODE))
            m.setResponseTypes(Set.of());
    }

    /** Throws {@code invalid_client_metadata} naming the grant type or response type that is missing. */
    static void check(OIDCClientMetadata m) {
        if (m.getGrantTypes() == null || m.getGrantTypes().isEmpty())
            throw metadataError("grant_types", "must name at least one grant type");
        // A refresh token comes from another grant: alone, refresh_token could never be used.
        if (m.getGrantTypes().equals(Set.of(GrantType.REFRESH_TOKEN)))
            throw metadataError(
                    "grant_types",
                    "refresh_token needs a grant that issues refresh tokens, such as authorization_code");
        for (ResponseType rt : m.getResponseTypes()) {
            for (GrantType needed : grantTypesOf(rt)) {
                if (!m.getGrantTypes().contains(needed))
                    throw metadataError("grant_types", "must include " + needed + " for the response type " + rt);
            }
        }
        for (GrantType grant : List.of(GrantType.AUTHORIZATION_CODE, GrantType.IMPLICIT)) {
            boolean used = m.getResponseTypes().stream()
                    .anyMatch(rt -> grantTypesOf(rt).contains(grant));
            // The response type named is the one this server supports for the grant type.
            String responseType = grant.equals(GrantType.IMPLICIT) ? "code id_token" : "code";
            if (m.getGrantTypes().contains(grant) && !used)
                throw metadataError("response_types", "must include " + responseType + " for the grant type " + grant);
        }
    }

    private static Set<GrantType> grantTypesOf(ResponseType rt) {
        var grants = new LinkedHashSet<GrantType>();
        if (rt.contains(ResponseType.Value.CODE)) grants.add(GrantType.AUTHORIZATION_CODE);
        if (rt.contains(OIDCResponseTypeValue.ID_TOKEN) || rt.contains(ResponseType.Value.TOKEN))
            grants.add(GrantType.IMPLICIT);
        return grants;
    }
}
