package dev.gatehouse.oauth.clients;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Registered clients; metadata is stored as its RFC 7591 JSON. */
public interface ClientStore {
    record Row(
            String clientId,
            String clientName,
            String secretHash,
            String metadataJson,
            boolean firstParty,
            String registrationTokenHash,
            java.time.Instant createdAt,
            java.time.Instant updatedAt) {}

    Optional<Row> byId(Handle h, String clientId);

    List<Row> list(Handle h, int limit, int offset);

    void insert(Handle h, Row row);

    /** Updates name, secret and metadata; the registration access token is set only at insert. */
    boolean update(Handle h, Row row);

    boolean delete(Handle h, String clientId);

    /** The ids of the clients whose registered {@code scope} names {@code scope}, in id order. */
    List<String> registering(Handle h, String scope);
}
