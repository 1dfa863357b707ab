package dev.gatehouse.oauth.authorize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.platform.db.Database;
import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.ServerTest;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@link JdbiConsentStore} contract, on the engine under test. */
@ServerTest
class ConsentStoreContractTest {
    static final Instant T0 = Instant.parse("2030-01-02T03:04:05.123456Z");

    static MigratedDatabase database;
    static Database db;
    final JdbiConsentStore store = new JdbiConsentStore();

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
        db = database.db();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    UUID newUser() {
        return database.insertUser("c" + UUID.randomUUID() + "@example.com");
    }

    void save(UUID user, String client, Set<String> scope, Instant at) {
        db.useTransaction(h -> store.save(h, user, client, scope, at));
    }

    static Set<String> scope(String... s) {
        return new LinkedHashSet<>(List.of(s));
    }

    @Test
    void whenNothingGranted_thenEmpty() {
        assertThat(db.<Optional<Set<String>>>withHandle(h -> store.granted(h, newUser(), "client-1")))
                .isEmpty();
        assertThat(db.<List<Consent>>withHandle(h -> store.list(h, newUser()))).isEmpty();
    }

    @Test
    void whenSaved_thenGrantedReturnsTheScopeInOrder() {
        UUID user = newUser();
        save(user, "client-1", scope("openid", "email", "profile"), T0);

        assertThat(db.<Optional<Set<String>>>withHandle(h -> store.granted(h, user, "client-1"))
                        .orElseThrow())
                .containsExactly("openid", "email", "profile");
        assertThat(db.<Optional<Set<String>>>withHandle(h -> store.granted(h, user, "client-2")))
                .isEmpty();
    }

    @Test
    void whenSavedEmptyScope_thenGrantedIsPresentAndEmpty() {
        UUID user = newUser();
        save(user, "client-1", Set.of(), T0);

        assertThat(db.<Optional<Set<String>>>withHandle(h -> store.granted(h, user, "client-1")))
                .contains(Set.of());
    }

    @Test
    void whenSavedAgain_thenTheNewScopeReplacesTheOld() {
        UUID user = newUser();
        save(user, "client-1", scope("openid"), T0);
        save(user, "client-1", scope("openid", "email"), T0.plusSeconds(5));

        var list = db.withHandle(h -> store.list(h, user));
        assertThat(list).hasSize(1);
        assertThat(list.get(0).scope()).containsExactly("openid", "email");
        assertThat(list.get(0).grantedAt()).isEqualTo(T0.plusSeconds(5));
    }

    @Test
    void whenListing_thenNewestFirstWithTheClientNameWhenTheClientExists() {
        UUID user = newUser();
        String known = "k" + UUID.randomUUID();
        db.useTransaction(h -> h.createUpdate("INSERT INTO oauth_clients (client_id, client_name, metadata, created_at,"
                        + " updated_at) VALUES (:id, 'Known app', '{}', :t, :t)")
                .bind("id", known)
                .bind("t", T0)
                .execute());
        save(user, known, scope("openid"), T0);
        save(user, "deleted-client", scope("email"), T0.plusSeconds(1));
        save(newUser(), known, scope("openid"), T0.plusSeconds(2));

        var list = db.withHandle(h -> store.list(h, user));

        assertThat(list)
                .containsExactly(
                        new Consent("deleted-client", null, Set.of("email"), T0.plusSeconds(1)),
                        new Consent(known, "Known app", Set.of("openid"), T0));
    }

    @Test
    void whenRevoked_thenGoneForThatClientOnly() {
        UUID user = newUser();
        UUID other = newUser();
        save(user, "client-1", scope("openid"), T0);
        save(user, "client-2", scope("openid"), T0);
        save(other, "client-1", scope("openid"), T0);

        assertThat(db.<Boolean>inTransaction(h -> store.revoke(h, user, "client-1")))
                .isTrue();
        assertThat(db.<Boolean>inTransaction(h -> store.revoke(h, user, "client-1")))
                .isFalse();

        assertThat(db.<Optional<Set<String>>>withHandle(h -> store.granted(h, user, "client-1")))
                .isEmpty();
        assertThat(db.<Optional<Set<String>>>withHandle(h -> store.granted(h, user, "client-2")))
                .isPresent();
        assertThat(db.<Optional<Set<String>>>withHandle(h -> store.granted(h, other, "client-1")))
                .isPresent();
    }
}
