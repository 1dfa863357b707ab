package dev.gatehouse.audit;

import java.util.Map;
import java.util.UUID;

/** Something that happened to an account or the system, with its outcome and, for failures, the reason. */
public record AuditEvent(
        String type,
        String outcome,
        UUID userId,
        UUID actorId,
        UUID sessionId,
        String reason,
        Map<String, Object> details) {

    public static AuditEvent success(String type, UUID userId) {
        return new AuditEvent(type, "success", userId, userId, null, null, Map.of());
    }

    public static AuditEvent failure(String type, UUID userId, String reason) {
        return new AuditEvent(type, "failure", userId, userId, null, reason, Map.of());
    }

    public AuditEvent session(UUID id) {
        return new AuditEvent(type, outcome, userId, actorId, id, reason, details);
    }

    public AuditEvent actor(UUID id) {
        return new AuditEvent(type, outcome, userId, id, sessionId, reason, details);
    }

    public AuditEvent details(Map<String, Object> more) {
        return new AuditEvent(type, outcome, userId, actorId, sessionId, reason, more);
    }
}
