package dev.gatehouse.oauth.authorize;

import java.time.Instant;
import java.util.Set;

/** A remembered consent: the client (with its name while it still exists), what it may do, since when. */
public record Consent(String clientId, String clientName, Set<String> scope, Instant grantedAt) {}
