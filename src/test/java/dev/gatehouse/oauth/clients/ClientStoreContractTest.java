package dev.gatehouse.oauth.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.oauth.clients.ClientStore.Row;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.ServerTest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@link ClientStore} contract, on the engine under test. */
@ServerTest
class ClientStoreContractTest {
    static final Instant T0 = Instant.parse("2030-01-02T03:04:05.123456Z");

    static MigratedDatabase database;
    static Database db;
    final ClientStore store = new JdbiClientStore();

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
        db = database.db();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    Row row(String id, Instant created) {
        return new Row(
                id,
                "App " + id,
                "a".repeat(64),
                "{\"redirect_uris\":[\"https://app.example/cb\"],\"client_name\":\"App\"}",
                false,
                "b".repeat(64),
                created,
                created);
    }

    String newId() {
        return "c" + UUID.randomUUID().toString().replace("-", "");
    }

    @Test
    void whenInserted_thenByIdReturnsEveryFieldUnchanged() {
        var r = row(newId(), T0);
        db.useTransaction(h -> store.insert(h, r));

        assertThat(db.<Optional<Row>>withHandle(h -> store.byId(h, r.clientId())))
                .contains(r);
    }

    @Test
    void whenPublicClientWithoutSecret_thenNullsComeBack() {
        var r = new Row(newId(), null, null, "{}", true, null, T0, T0);
        db.useTransaction(h -> store.insert(h, r));

        assertThat(db.<Optional<Row>>withHandle(h -> store.byId(h, r.clientId())))
                .contains(r);
    }

    @Test
    void whenMissing_thenEmptyAndUpdateAndDeleteAreFalse() {
        String id = newId();
        assertThat(db.<Optional<Row>>withHandle(h -> store.byId(h, id))).isEmpty();
        assertThat(db.<Boolean>inTransaction(h -> store.update(h, row(id, T0)))).isFalse();
        assertThat(db.<Boolean>inTransaction(h -> store.delete(h, id))).isFalse();
    }

    @Test
    void whenInsertedTwice_thenTheSecondFails() {
        var r = row(newId(), T0);
        db.useTransaction(h -> store.insert(h, r));

        assertThatThrownBy(() -> db.useTransaction(h -> store.insert(h, r))).isInstanceOf(RuntimeException.class);
    }

    @Test
    void whenUpdated_thenNameSecretMetadataAndFlagChangeButRegistrationTokenAndCreationStay() {
        var r = row(newId(), T0);
        db.useTransaction(h -> store.insert(h, r));
        var changed = new Row(
                r.clientId(),
                "Renamed",
                "c".repeat(64),
                "{\"client_name\":\"Renamed\"}",
                true,
                "d".repeat(64),
                T0.plusSeconds(99),
                T0.plusSeconds(60));

        assertThat(db.<Boolean>inTransaction(h -> store.update(h, changed))).isTrue();

        assertThat(db.<Optional<Row>>withHandle(h -> store.byId(h, r.clientId())))
                .contains(new Row(
                        r.clientId(),
                        "Renamed",
                        "c".repeat(64),
                        "{\"client_name\":\"Renamed\"}",
                        true,
                        r.registrationTokenHash(),
                        T0,
                        T0.plusSeconds(60)));
    }

    @Test
    void whenTheSecretIsRotated_thenThePreviousIsKeptUntilTheSecretChangesAnotherWay() {
        var r = row(newId(), T0);
        db.useTransaction(h -> store.insert(h, r));
        String next = "e".repeat(64);
        Instant until = T0.plusSeconds(3600);

        assertThat(db.<Boolean>inTransaction(h -> store.rotateSecret(h, r.clientId(), next, until, T0.plusSeconds(1))))
                .isTrue();
        var rotated =
                db.<Optional<Row>>withHandle(h -> store.byId(h, r.clientId())).orElseThrow();
        assertThat(rotated.secretHash()).isEqualTo(next);
        assertThat(rotated.previousSecretHash()).isEqualTo(r.secretHash());
        assertThat(rotated.previousSecretExpiresAt()).isEqualTo(until);
        assertThat(rotated.updatedAt()).isEqualTo(T0.plusSeconds(1));

        // An update that keeps the secret keeps the previous one; one that changes it ends the previous one.
        var renamed = new Row(r.clientId(), "Renamed", next, r.metadataJson(), false, null, T0, T0.plusSeconds(2));
        db.useTransaction(h -> store.update(h, renamed));
        assertThat(db.<Optional<Row>>withHandle(h -> store.byId(h, r.clientId()))
                        .orElseThrow()
                        .previousSecretHash())
                .isEqualTo(r.secretHash());
        var noSecret = new Row(r.clientId(), "Renamed", null, r.metadataJson(), false, null, T0, T0.plusSeconds(3));
        db.useTransaction(h -> store.update(h, noSecret));
        var after =
                db.<Optional<Row>>withHandle(h -> store.byId(h, r.clientId())).orElseThrow();
        assertThat(after.previousSecretHash()).isNull();
        assertThat(after.previousSecretExpiresAt()).isNull();

        // A rotation asked to keep the current secret keeps none when the row has none (a public client's).
        db.useTransaction(h -> store.rotateSecret(h, r.clientId(), "d".repeat(64), until, T0.plusSeconds(4)));
        var fromNone =
                db.<Optional<Row>>withHandle(h -> store.byId(h, r.clientId())).orElseThrow();
        assertThat(fromNone.previousSecretHash()).isNull();
        assertThat(fromNone.previousSecretExpiresAt()).isNull();

        // A rotation without an overlap keeps none.
        db.useTransaction(h -> store.rotateSecret(h, r.clientId(), "f".repeat(64), null, T0.plusSeconds(4)));
        assertThat(db.<Optional<Row>>withHandle(h -> store.byId(h, r.clientId()))
                        .orElseThrow()
                        .previousSecretHash())
                .isNull();
        assertThat(db.<Boolean>inTransaction(h -> store.rotateSecret(h, newId(), next, null, T0)))
                .isFalse();
    }

    @Test
    void whenTheTokensAreRevoked_thenTheInstantIsKeptAndMissingClientsAreFalse() {
        var r = row(newId(), T0);
        db.useTransaction(h -> store.insert(h, r));
        Instant notBefore = T0.plusSeconds(5);

        assertThat(db.<Boolean>inTransaction(h -> store.revokeTokens(h, r.clientId(), notBefore)))
                .isTrue();
        var after =
                db.<Optional<Row>>withHandle(h -> store.byId(h, r.clientId())).orElseThrow();
        assertThat(after.tokensNotBefore()).isEqualTo(notBefore);
        // An update keeps it.
        db.useTransaction(h -> store.update(h, r));
        assertThat(db.<Optional<Row>>withHandle(h -> store.byId(h, r.clientId()))
                        .orElseThrow()
                        .tokensNotBefore())
                .isEqualTo(notBefore);
        assertThat(db.<Boolean>inTransaction(h -> store.revokeTokens(h, newId(), notBefore)))
                .isFalse();
    }

    @Test
    void whenDeleted_thenGoneAndSecondDeleteIsFalse() {
        var r = row(newId(), T0);
        db.useTransaction(h -> store.insert(h, r));

        assertThat(db.<Boolean>inTransaction(h -> store.delete(h, r.clientId())))
                .isTrue();
        assertThat(db.<Optional<Row>>withHandle(h -> store.byId(h, r.clientId())))
                .isEmpty();
        assertThat(db.<Boolean>inTransaction(h -> store.delete(h, r.clientId())))
                .isFalse();
    }

    @Test
    void whenListing_thenOrderedByCreationThenIdAndPaged() {
        // Far in the future so rows of the other tests (created at T0) come first.
        Instant base = Instant.parse("2099-01-01T00:00:00Z");
        var first = row("zz-first-" + UUID.randomUUID(), base);
        var tieA = row("zz-tie-a-" + UUID.randomUUID(), base.plusSeconds(1));
        var tieB = row("zz-tie-b-" + UUID.randomUUID(), base.plusSeconds(1));
        db.useTransaction(h -> {
            store.insert(h, tieB);
            store.insert(h, first);
            store.insert(h, tieA);
        });
        int total = db.withHandle(h -> store.list(h, 1000, 0)).size();

        var tail = db.withHandle(h -> store.list(h, 3, total - 3));
        assertThat(tail).containsExactly(first, tieA, tieB);
        assertThat(db.<List<Row>>withHandle(h -> store.list(h, 1, total - 1))).containsExactly(tieB);
        assertThat(db.<List<Row>>withHandle(h -> store.list(h, 10, total))).isEmpty();
    }

    @Test
    void whenAskedWhoRegistersAScope_thenOnlyClientsWhoseScopeNamesItExactlyAreListed() {
        String n = "s" + UUID.randomUUID().toString().substring(0, 8);
        String json = "{\"grant_types\":[\"client_credentials\"],\"scope\":\"%s\"}";
        var exact = withMetadata(row("b-" + newId(), T0), json.formatted(n + "_x other"));
        var also = withMetadata(row("a-" + newId(), T0), json.formatted("first " + n + "_x"));
        var wildcard = withMetadata(row(newId(), T0), json.formatted(n + "ZxZ"));
        var longer = withMetadata(row(newId(), T0), json.formatted(n + "_x:more"));
        var named = withMetadata(row(newId(), T0), "{\"client_name\":\"" + n + "_x\"}");
        db.useTransaction(h -> List.of(exact, also, wildcard, longer, named).forEach(r -> store.insert(h, r)));

        assertThat(db.<List<String>>withHandle(h -> store.registering(h, n + "_x")))
                .containsExactly(also.clientId(), exact.clientId());
        assertThat(db.<List<String>>withHandle(h -> store.registering(h, n + "_x:more")))
                .containsExactly(longer.clientId());
        assertThat(db.<List<String>>withHandle(h -> store.registering(h, n))).isEmpty();
    }

    static Row withMetadata(Row r, String json) {
        return new Row(
                r.clientId(),
                r.clientName(),
                r.secretHash(),
                json,
                r.firstParty(),
                r.registrationTokenHash(),
                r.createdAt(),
                r.updatedAt());
    }
}
