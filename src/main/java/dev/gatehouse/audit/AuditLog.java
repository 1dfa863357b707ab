package dev.gatehouse.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.db.Writes;
import dev.gatehouse.platform.http.RequestInfo;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The audit trail. Changes record their event in their own transaction ({@link #record(Handle, AuditEvent,
 * RequestInfo)}), so an event exists exactly when the change committed; refusals that change nothing record alone.
 */
public final class AuditLog {
    private final Database db;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    public AuditLog(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public void record(Handle h, AuditEvent e, RequestInfo info) {
        String details;
        try {
            details = e.details().isEmpty() ? null : json.writeValueAsString(e.details());
        } catch (JsonProcessingException ex) {
            details = null;
        }
        // Sent with the transaction's next round trip: the record commits or rolls back with what it records.
        Writes.later(
                h,
                "INSERT INTO audit_events (id, event_type, outcome, user_id, actor_id, session_id, reason, ip,"
                        + " user_agent, request_id, details, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                UUID.randomUUID(),
                e.type(),
                e.outcome(),
                e.userId(),
                e.actorId(),
                e.sessionId(),
                e.reason(),
                info.ip(),
                info.userAgent(),
                info.requestId(),
                details,
                clock.instant());
    }

    /** Records an event in a transaction of its own (for refusals, which change nothing else). */
    public void record(AuditEvent e, RequestInfo info) {
        db.useTransaction(h -> record(h, e, info));
    }

    public List<AuditRecord> list(Optional<UUID> userId, Optional<String> type, int limit, int offset) {
        String where = (userId.isPresent() ? " AND user_id = :user" : "")
                + (type.isPresent() ? " AND event_type = :type" : "");
        return db.withHandle(h -> {
            var q = h.createQuery("SELECT * FROM audit_events WHERE 1 = 1" + where
                    + " ORDER BY created_at DESC, id LIMIT :limit OFFSET :offset");
            userId.ifPresent(u -> q.bind("user", u));
            type.ifPresent(t -> q.bind("type", t));
            return q.bind("limit", limit)
                    .bind("offset", offset)
                    .map((rs, c) -> new AuditRecord(
                            rs.getObject("id", UUID.class),
                            rs.getObject("user_id", UUID.class),
                            rs.getObject("actor_id", UUID.class),
                            rs.getObject("session_id", UUID.class),
                            rs.getString("event_type"),
                            rs.getString("outcome"),
                            rs.getString("reason"),
                            rs.getString("ip"),
                            rs.getString("user_agent"),
                            rs.getString("request_id"),
                            parse(rs.getString("details")),
                            rs.getObject("created_at", OffsetDateTime.class).toInstant()))
                    .list();
        });
    }

    private Map<String, Object> parse(String details) {
        if (details == null) return null;
        try {
            return json.readValue(details, new TypeReference<Map<String, Object>>() {});
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }
}
