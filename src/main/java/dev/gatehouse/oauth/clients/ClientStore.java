package dev.gatehouse.oauth.clients;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Registered clients; metadata is stored as its RFC 7591 JSON. */
public interface ClientStore {
    /**
     * A client's row; {@code previousSecretHash} is the secret that {@link #rotateSecret} replaced, accepted until
     * {@code previousSecretExpiresAt} (both null without one); {@code tokensNotBefore}, set by {@link #revokeTokens},
     * the instant before which its access tokens are no longer accepted (null: none).
     */
    record Row(
            String clientId,
            String clientName,
            String secretHash,
            String metadataJson,
            boolean firstParty,
            String registrationTokenHash,
            java.time.Instant createdAt,
            java.time.Instant updatedAt,
            String previousSecretHash,
            java.time.Instant previousSecretExpiresAt,
            java.time.Instant tokensNotBefore) {
        /** A row without a previous secret or a revocation of its tokens. */
        public Row(
                String clientId,
                String clientName,
                String secretHash,
                String metadataJson,
                boolean firstParty,
                String registrationTokenHash,
                java.time.Instant createdAt,
                java.time.Instant updatedAt) {
            this(
                    clientId,
                    clientName,
                    secretHash,
                    metadataJson,
                    firstParty,
                    registrationTokenHash,
                    createdAt,
                    updatedAt,
                    null,
                    null,
                    null);
        }
    }

    Optional<Row> byId(Handle h, String clientId);

    List<Row> list(Handle h, int limit, int offset);

    void insert(Handle h, Row row);

    /**
     * Updates name, secret and metadata; the registration access token is set only at insert, the previous secret only
     * by {@link #rotateSecret}.
     */
    boolean update(Handle h, Row row);

    /**
     * Sets the secret to {@code secretHash}. With {@code keepCurrentUntil}, the secret the row holds at this update
     * (if any) becomes the previous one, valid until then; without (null), there is no previous one. The database
     * supplies the replaced hash, so concurrent rotations never keep a secret another one already replaced. False when
     * there is no such client.
     */
    boolean rotateSecret(
            Handle h, String clientId, String secretHash, java.time.Instant keepCurrentUntil, java.time.Instant now);

    boolean delete(Handle h, String clientId);

    /** Sets the instant before which the client's access tokens are refused; false when there is no such client. */
    boolean revokeTokens(Handle h, String clientId, java.time.Instant notBefore);

    /** The ids of the clients whose registered {@code scope} names {@code scope}, in id order. */
    List<String> registering(Handle h, String scope);
}
