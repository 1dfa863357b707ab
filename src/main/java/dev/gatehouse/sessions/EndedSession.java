package dev.gatehouse.sessions;

import java.util.UUID;

/** A session just ended, with the client it was started for (an OAuth client's id, or the /v1 API's own). */
public record EndedSession(UUID id, String clientId) {}
