package dev.gatehouse.oauth.clients;

import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;

/**
 * What a client presented to authenticate: its id, how, and the secret or (for {@code private_key_jwt}) the signed
 * client assertion if any.
 */
public record ClientCredentials(String clientId, ClientAuthenticationMethod method, String secret, String assertion) {
    public ClientCredentials(String clientId, ClientAuthenticationMethod method, String secret) {
        this(clientId, method, secret, null);
    }
}
