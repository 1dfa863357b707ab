package dev.gatehouse.oauth.clients;

import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;

/** What a client presented to authenticate: its id, how, and the secret if any. */
public record ClientCredentials(String clientId, ClientAuthenticationMethod method, String secret) {}
