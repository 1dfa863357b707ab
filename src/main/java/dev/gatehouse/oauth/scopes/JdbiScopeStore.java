package dev.gatehouse.oauth.scopes;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/** The oauth_scopes table; claims are kept space-separated. */
public final class JdbiScopeStore {
    private static final String COLUMNS = "name, description, is_default, is_system, claims, created_at";

    public List<Scope> all(Handle h) {
        return h.createQuery("SELECT " + COLUMNS + " FROM oauth_scopes ORDER BY name")
                .map(JdbiScopeStore::map)
                .list();
    }

    public Optional<Scope> byName(Handle h, String name) {
        return h.createQuery("SELECT " + COLUMNS + " FROM oauth_scopes WHERE name = :n")
                .bind("n", name)
                .map(JdbiScopeStore::map)
                .findOne();
    }

    /**
     * The same, its row locked until the transaction ends: a registration naming the scope waits for a delete or rename
     * to finish, and sees its outcome ({@link #lockNamed}).
     */
    public Optional<Scope> byNameForUpdate(Handle h, String name) {
        return h.createQuery("SELECT " + COLUMNS + " FROM oauth_scopes WHERE name = :n FOR UPDATE")
                .bind("n", name)
                .map(JdbiScopeStore::map)
                .findOne();
    }

    /**
     * Of {@code names}, those in the table, their rows locked until the transaction ends (in name order, so that two
     * registrations cannot wait for each other), so none of them can be deleted or renamed before it commits.
     */
    public Set<String> lockNamed(Handle h, Collection<String> names) {
        if (names.isEmpty()) return Set.of();
        return new HashSet<>(
                h.createQuery("SELECT name FROM oauth_scopes WHERE name IN (<names>) ORDER BY name FOR UPDATE")
                        .bindList("names", List.copyOf(names))
                        .mapTo(String.class)
                        .list());
    }

    public void insert(Handle h, Scope s) {
        h.createUpdate("INSERT INTO oauth_scopes (" + COLUMNS + ") VALUES (:n, :d, :def, :sys, :claims, :c)")
                .bind("n", s.name())
                .bind("d", s.description())
                .bind("def", s.isDefault())
                .bind("sys", s.isSystem())
                .bind("claims", String.join(" ", s.claims()))
                .bind("c", s.createdAt())
                .execute();
    }

    /** Replaces description, default flag and claims, and renames when {@code s.name()} differs from {@code name}. */
    public boolean update(Handle h, String name, Scope s) {
        return h.createUpdate("UPDATE oauth_scopes SET name = :newName, description = :d, is_default = :def,"
                                + " claims = :claims WHERE name = :n")
                        .bind("n", name)
                        .bind("newName", s.name())
                        .bind("d", s.description())
                        .bind("def", s.isDefault())
                        .bind("claims", String.join(" ", s.claims()))
                        .execute()
                == 1;
    }

    /** Deletes a scope that is not a system scope; true when a row went. */
    public boolean delete(Handle h, String name) {
        return h.createUpdate("DELETE FROM oauth_scopes WHERE name = :n AND is_system = FALSE")
                        .bind("n", name)
                        .execute()
                == 1;
    }

    private static Scope map(ResultSet rs, StatementContext ctx) throws SQLException {
        String claims = rs.getString("claims");
        return new Scope(
                rs.getString("name"),
                rs.getString("description"),
                rs.getBoolean("is_default"),
                rs.getBoolean("is_system"),
                claims == null || claims.isBlank()
                        ? List.of()
                        : Arrays.asList(claims.trim().split(" +")),
                rs.getObject("created_at", OffsetDateTime.class).toInstant());
    }
}
