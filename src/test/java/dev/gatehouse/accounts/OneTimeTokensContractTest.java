package dev.gatehouse.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.accounts.OneTimeTokens.Purpose;
import dev.gatehouse.accounts.OneTimeTokens.Redeemed;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@link OneTimeTokens} contract, on the engine under test (convention 7). */
@ServerTest
class OneTimeTokensContractTest {
    /** Microsecond precision on purpose: both engines keep microseconds, so stored times must come back exact. */
    static final Instant T0 = Instant.parse("2030-01-02T03:04:05.123456Z");

    static MigratedDatabase database;
    static Database db;
    final OneTimeTokens tokens = new OneTimeTokens(Secrets.system());

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
        db = database.db();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    String issue(Purpose purpose, UUID userId, String email, Instant now) {
        return db.inTransaction(h -> tokens.issue(h, purpose, userId, email, now));
    }

    Optional<Redeemed> redeem(Purpose purpose, String token, Instant now) {
        return db.inTransaction(h -> tokens.redeem(h, purpose, token, now));
    }

    @Test
    void whenIssued_thenTokenCarriesThePurposePrefixAndRedeemsOnce() {
        String email = "once@example.com";
        UUID user = database.insertUser(email);

        String token = issue(Purpose.VERIFY_EMAIL, user, email, T0);

        assertThat(token).startsWith("ve_");
        assertThat(redeem(Purpose.VERIFY_EMAIL, token, T0.plusSeconds(1))).contains(new Redeemed(user, email));
        assertThat(redeem(Purpose.VERIFY_EMAIL, token, T0.plusSeconds(2))).isEmpty();
    }

    @Test
    void whenStored_thenOnlyTheHashIsKept() {
        String email = "hashed@example.com";
        String token = issue(Purpose.RESET_PASSWORD, database.insertUser(email), email, T0);

        List<String> stored =
                db.withHandle(h -> h.createQuery("SELECT token_hash FROM one_time_tokens WHERE email = :e")
                        .bind("e", email)
                        .mapTo(String.class)
                        .list());

        assertThat(stored).containsExactly(Secrets.sha256(token));
    }

    @Test
    void whenRedeemedForAnotherPurpose_thenRefusedAndStillGoodForItsOwn() {
        String email = "purpose@example.com";
        UUID user = database.insertUser(email);
        String token = issue(Purpose.RESET_PASSWORD, user, email, T0);

        assertThat(redeem(Purpose.MAGIC_LINK, token, T0)).isEmpty();
        assertThat(redeem(Purpose.VERIFY_EMAIL, token, T0)).isEmpty();
        assertThat(redeem(Purpose.RESET_PASSWORD, token, T0)).isPresent();
    }

    @Test
    void whenRedeemedAtOrAfterExpiry_thenRefused() {
        String email = "expiry@example.com";
        UUID user = database.insertUser(email);
        String early = issue(Purpose.RESET_PASSWORD, user, email, T0);
        Instant expiry = T0.plus(Purpose.RESET_PASSWORD.ttl);

        assertThat(redeem(Purpose.RESET_PASSWORD, early, expiry)).isEmpty();
        assertThat(redeem(Purpose.RESET_PASSWORD, early, expiry.plusSeconds(1))).isEmpty();

        String late = issue(Purpose.RESET_PASSWORD, user, email, T0);
        assertThat(redeem(Purpose.RESET_PASSWORD, late, expiry.minusNanos(1_000)))
                .isPresent();
    }

    @Test
    void whenANewTokenIsIssued_thenTheOlderOneOfThatPurposeStopsWorking() {
        String email = "Reissue@Example.com";
        UUID user = database.insertUser(email);
        String older = issue(Purpose.MAGIC_LINK, user, email, T0);
        String otherPurpose = issue(Purpose.VERIFY_EMAIL, user, email, T0);

        // Same address in another case: still the same account's tokens.
        String newer = issue(Purpose.MAGIC_LINK, user, "reissue@example.COM", T0.plusSeconds(1));

        assertThat(redeem(Purpose.MAGIC_LINK, older, T0.plusSeconds(2))).isEmpty();
        assertThat(redeem(Purpose.MAGIC_LINK, newer, T0.plusSeconds(2)))
                .contains(new Redeemed(user, "reissue@example.com"));
        assertThat(redeem(Purpose.VERIFY_EMAIL, otherPurpose, T0.plusSeconds(2)))
                .isPresent();
    }

    @Test
    void whenIssuedForAnAddressWithoutAccount_thenRedeemsWithoutUser() {
        String token = issue(Purpose.MAGIC_LINK, null, "Newcomer@Example.com", T0);

        assertThat(redeem(Purpose.MAGIC_LINK, token, T0)).contains(new Redeemed(null, "newcomer@example.com"));
    }

    @Test
    void whenAllOfAPurposeAreVoided_thenNoneRedeemsButOtherPurposesAndUsersDo() {
        String email = "void@example.com";
        UUID user = database.insertUser(email);
        String stranger = "stranger@example.com";
        UUID strangerId = database.insertUser(stranger);
        String reset = issue(Purpose.RESET_PASSWORD, user, email, T0);
        String verify = issue(Purpose.VERIFY_EMAIL, user, email, T0);
        String theirs = issue(Purpose.RESET_PASSWORD, strangerId, stranger, T0);

        db.useTransaction(h -> tokens.voidAll(h, Purpose.RESET_PASSWORD, user, T0.plusSeconds(1)));

        assertThat(redeem(Purpose.RESET_PASSWORD, reset, T0.plusSeconds(2))).isEmpty();
        assertThat(redeem(Purpose.VERIFY_EMAIL, verify, T0.plusSeconds(2))).isPresent();
        assertThat(redeem(Purpose.RESET_PASSWORD, theirs, T0.plusSeconds(2))).isPresent();
    }

    @Test
    void whenTokenIsUnknownOrMalformed_thenRefused() {
        assertThat(redeem(Purpose.MAGIC_LINK, "ml_" + "A".repeat(43), T0)).isEmpty();
        assertThat(redeem(Purpose.MAGIC_LINK, null, T0)).isEmpty();
        assertThat(redeem(Purpose.MAGIC_LINK, "", T0)).isEmpty();
        assertThat(redeem(Purpose.MAGIC_LINK, "ml_" + "A".repeat(200), T0)).isEmpty();
    }

    @Test
    void whenManyRedeemTheSameTokenAtOnce_thenExactlyOneSucceeds() {
        String email = "race@example.com";
        UUID user = database.insertUser(email);
        String token = issue(Purpose.MAGIC_LINK, user, email, T0);

        List<Boolean> outcomes = Race.run(
                8, () -> redeem(Purpose.MAGIC_LINK, token, T0.plusSeconds(1)).isPresent());

        assertThat(outcomes).containsOnlyOnce(true);
    }
}
