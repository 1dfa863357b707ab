package dev.gatehouse.audit;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** A stored audit event as the API shows it. */
public record AuditRecord(
        UUID id,
        UUID userId,
        UUID actorId,
        UUID sessionId,
        String eventType,
        String outcome,
        String reason,
        String ip,
        String userAgent,
        String requestId,
        Map<String, Object> details,
        Instant createdAt) {}
