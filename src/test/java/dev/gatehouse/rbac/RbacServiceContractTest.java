package dev.gatehouse.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.platform.db.Database;
import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.MutableClock;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@link RbacService} persistence contract, on the engine under test (convention 7). */
@ServerTest
class RbacServiceContractTest {
    static MigratedDatabase database;
    static Database db;
    static RbacService rbac;

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
        db = database.db();
        rbac = new RbacService(db, new MutableClock(Instant.parse("2030-01-02T03:04:05.123456Z")));
    }

    @AfterAll
    static void close() {
        database.close();
    }

    UUID newUser() {
        return database.insertUser("u" + UUID.randomUUID() + "@example.com");
    }

    void assign(UUID user, String role) {
        db.useTransaction(h -> rbac.assign(h, user, role));
    }

    long holders(String role) {
        return db.withHandle(h -> rbac.holders(h, role));
    }

    @Test
    void whenUserHoldsNoRole_thenNoRolesAndNoPermissions() {
        UUID user = newUser();

        assertThat(rbac.rolesOf(user)).isEmpty();
        assertThat(rbac.permissionsOf(user)).isEmpty();
    }

    @Test
    void whenAssignedAdmin_thenHoldsTheWildcardPermission() {
        UUID user = newUser();

        assign(user, RbacService.ADMIN);

        assertThat(rbac.rolesOf(user)).containsExactly(RbacService.ADMIN);
        assertThat(rbac.permissionsOf(user)).containsExactly("*");
    }

    @Test
    void whenAssignedTheUserRole_thenHoldsItWithoutAdminPermissions() {
        UUID user = newUser();

        assign(user, RbacService.USER);

        assertThat(rbac.rolesOf(user)).containsExactly(RbacService.USER);
        assertThat(rbac.permissionsOf(user)).doesNotContain("*");
    }

    @Test
    void whenAssignedTwice_thenHeldOnce() {
        UUID user = newUser();
        long before = holders(RbacService.ADMIN);

        assign(user, RbacService.ADMIN);
        assign(user, RbacService.ADMIN);

        assertThat(rbac.rolesOf(user)).containsExactly(RbacService.ADMIN);
        assertThat(holders(RbacService.ADMIN)).isEqualTo(before + 1);
    }

    @Test
    void whenAssignedSeveralRoles_thenRolesAreListedByName() {
        UUID user = newUser();

        assign(user, RbacService.USER);
        assign(user, RbacService.ADMIN);

        assertThat(rbac.rolesOf(user)).containsExactly(RbacService.ADMIN, RbacService.USER);
        assertThat(rbac.permissionsOf(user)).contains("*");
    }

    @Test
    void whenAssignedAnUnknownRole_thenNothingChanges() {
        UUID user = newUser();

        assign(user, "no-such-role");

        assertThat(rbac.rolesOf(user)).isEmpty();
    }

    @Test
    void whenTheSameRoleIsAssignedConcurrently_thenEveryCallSucceedsAndItIsHeldOnce() {
        UUID user = newUser();

        Race.run(4, () -> {
            assign(user, RbacService.USER);
            return null;
        });

        assertThat(rbac.rolesOf(user)).containsExactly(RbacService.USER);
    }

    @Test
    void whenCountingHolders_thenEachUserCountsOnce() {
        long before = holders(RbacService.USER);

        assign(newUser(), RbacService.USER);
        assign(newUser(), RbacService.USER);

        assertThat(holders(RbacService.USER)).isEqualTo(before + 2);
    }
}
