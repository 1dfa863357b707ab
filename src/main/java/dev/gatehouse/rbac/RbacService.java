package dev.gatehouse.rbac;

import dev.gatehouse.platform.db.Database;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Roles and the permissions they grant. The built-in {@code admin} role grants {@code *} (every permission). */
public final class RbacService {
    public static final String ADMIN = "admin";
    public static final String USER = "user";

    private final Database db;
    private final Clock clock;

    public RbacService(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public Set<String> permissionsOf(UUID userId) {
        return db.withHandle(h -> Set.copyOf(h.createQuery("SELECT DISTINCT p.name FROM user_roles ur"
                        + " JOIN role_permissions rp ON rp.role_id = ur.role_id"
                        + " JOIN permissions p ON p.id = rp.permission_id WHERE ur.user_id = :user")
                .bind("user", userId)
                .mapTo(String.class)
                .list()));
    }

    public List<String> rolesOf(UUID userId) {
        return db.withHandle(h -> h.createQuery(
                        "SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = :user ORDER BY r.name")
                .bind("user", userId)
                .mapTo(String.class)
                .list());
    }

    /**
     * Gives the user a role by name, inside the caller's transaction; a no-op when already held, even when another
     * transaction assigns the same role at the same moment (a NOT EXISTS check alone loses that race on PostgreSQL).
     */
    public void assign(Handle h, UUID userId, String roleName) {
        h.createUpdate("INSERT INTO user_roles (user_id, role_id, created_at) SELECT :user, r.id, :now FROM roles r"
                        + " WHERE r.name = :role ON CONFLICT DO NOTHING")
                .bind("user", userId)
                .bind("role", roleName)
                .bind("now", clock.instant())
                .execute();
    }

    public long holders(Handle h, String roleName) {
        return h.createQuery(
                        "SELECT COUNT(*) FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.name = :role")
                .bind("role", roleName)
                .mapTo(Long.class)
                .one();
    }
}
