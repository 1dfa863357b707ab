package dev.gatehouse.oauth.scopes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.ServerTest;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link ScopeService#describe} on the scopes table of the engine under test (convention 7). */
@ServerTest
class ScopeDescriptionsTest {
    static MigratedDatabase database;
    static Database db;

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
        db = database.db();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    @Test
    void whenDescribing_thenTheStandardScopesHavePlainWordsInRequestOrderAndOthersTheirName() {
        Clock clock = Clock.systemUTC();
        var scopes = new ScopeService(db, new JdbiScopeStore(), new AuditLog(db, clock), clock, Duration.ofMinutes(1));

        var d = scopes.describe(new LinkedHashSet<>(
                List.of("offline_access", "openid", "profile", "email", "address", "phone", "not-a-scope")));

        assertThat(d.keySet())
                .containsExactly("offline_access", "openid", "profile", "email", "address", "phone", "not-a-scope");
        assertThat(d.get("email")).isEqualTo("See your email address");
        assertThat(d.get("not-a-scope")).isEqualTo("not-a-scope");
    }
}
