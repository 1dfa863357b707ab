package dev.gatehouse.login;

import java.time.Instant;
import java.util.UUID;

/** A browser's sign-in at the hosted login page; lets later authorization requests skip the password. */
public record SsoSession(UUID id, UUID userId, Instant authTime, Instant expiresAt) {}
