package dev.gatehouse.oauth.clients;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

public final class JdbiClientStore implements ClientStore {
    private static final String COLUMNS =
            "client_id, client_name, secret_hash, metadata, first_party, registration_token_hash, created_at, updated_at";
    private static final String READ =
            COLUMNS + ", previous_secret_hash, previous_secret_expires_at, tokens_not_before";

    @Override
    public Optional<Row> byId(Handle h, String clientId) {
        return h.createQuery("SELECT " + READ + " FROM oauth_clients WHERE client_id = :id")
                .bind("id", clientId)
                .map(JdbiClientStore::map)
                .findOne();
    }

    @Override
    public List<Row> list(Handle h, int limit, int offset) {
        return h.createQuery("SELECT " + READ + " FROM oauth_clients ORDER BY created_at, client_id LIMIT :l OFFSET :o")
                .bind("l", limit)
                .bind("o", offset)
                .map(JdbiClientStore::map)
                .list();
    }

    @Override
    public void insert(Handle h, Row r) {
        h.createUpdate("INSERT INTO oauth_clients (" + COLUMNS
                        + ") VALUES (:id, :name, :secret, :meta, :fp, :rat, :c, :u)")
                .bind("id", r.clientId())
                .bind("name", r.clientName())
                .bind("secret", r.secretHash())
                .bind("meta", r.metadataJson())
                .bind("fp", r.firstParty())
                .bind("rat", r.registrationTokenHash())
                .bind("c", r.createdAt())
                .bind("u", r.updatedAt())
                .execute();
    }

    @Override
    public boolean update(Handle h, Row r) {
        // A secret that changes here (a switch of method) also ends a previous one a rotation kept.
        return h.createUpdate("UPDATE oauth_clients SET client_name = :name, metadata = :meta, first_party = :fp,"
                                + " updated_at = :u, previous_secret_hash = CASE WHEN secret_hash IS NOT DISTINCT FROM"
                                + " :secret THEN previous_secret_hash END, previous_secret_expires_at = CASE WHEN"
                                + " secret_hash IS NOT DISTINCT FROM :secret THEN previous_secret_expires_at END,"
                                + " secret_hash = :secret WHERE client_id = :id")
                        .bind("id", r.clientId())
                        .bind("name", r.clientName())
                        .bind("secret", r.secretHash())
                        .bind("meta", r.metadataJson())
                        .bind("fp", r.firstParty())
                        .bind("u", r.updatedAt())
                        .execute()
                == 1;
    }

    @Override
    public boolean rotateSecret(
            Handle h, String clientId, String secretHash, java.time.Instant keepCurrentUntil, java.time.Instant now) {
        // The previous secret is the row's current one at this UPDATE, never one read earlier: two rotations at once
        // (one keeping the old secret a while, one ending it) cannot bring back a secret the other just replaced.
        return h.createUpdate(
                                "UPDATE oauth_clients SET previous_secret_hash = CASE WHEN :keep THEN secret_hash END,"
                                        + " previous_secret_expires_at = CASE WHEN :keep AND secret_hash IS NOT NULL THEN"
                                        + " CAST(:until AS TIMESTAMP WITH TIME ZONE) END, secret_hash = :secret, updated_at = :now WHERE client_id = :id")
                        .bind("keep", keepCurrentUntil != null)
                        .bind("until", keepCurrentUntil)
                        .bind("secret", secretHash)
                        .bind("now", now)
                        .bind("id", clientId)
                        .execute()
                == 1;
    }

    @Override
    public boolean revokeTokens(Handle h, String clientId, java.time.Instant notBefore) {
        return h.createUpdate("UPDATE oauth_clients SET tokens_not_before = :nb WHERE client_id = :id")
                        .bind("nb", notBefore)
                        .bind("id", clientId)
                        .execute()
                == 1;
    }

    @Override
    public boolean delete(Handle h, String clientId) {
        return h.createUpdate("DELETE FROM oauth_clients WHERE client_id = :id")
                        .bind("id", clientId)
                        .execute()
                == 1;
    }

    @Override
    public List<String> registering(Handle h, String scope) {
        // The LIKE narrows the scan to metadata mentioning the name; the parsed scope decides.
        return h
                .createQuery(
                        "SELECT client_id, metadata FROM oauth_clients WHERE metadata LIKE :like ORDER BY client_id")
                .bind(
                        "like",
                        "%" + scope.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
                .map((rs, ctx) -> scopeOf(rs.getString("metadata")).contains(scope) ? rs.getString("client_id") : null)
                .stream()
                .filter(java.util.Objects::nonNull)
                .toList();
    }

    private static List<String> scopeOf(String metadataJson) {
        try {
            return JSONObjectUtils.parse(metadataJson).get("scope") instanceof String s
                    ? List.of(s.trim().split(" +", -1))
                    : List.of();
        } catch (ParseException e) {
            throw new IllegalStateException("stored client metadata is not JSON", e);
        }
    }

    private static Row map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Row(
                rs.getString("client_id"),
                rs.getString("client_name"),
                rs.getString("secret_hash"),
                rs.getString("metadata"),
                rs.getBoolean("first_party"),
                rs.getString("registration_token_hash"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                rs.getObject("updated_at", OffsetDateTime.class).toInstant(),
                rs.getString("previous_secret_hash"),
                instant(rs, "previous_secret_expires_at"),
                instant(rs, "tokens_not_before"));
    }

    private static java.time.Instant instant(ResultSet rs, String column) throws SQLException {
        var t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
