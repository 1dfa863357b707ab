package dev.gatehouse.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.platform.db.ClusterEvents;
import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.ServerTest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link RevocationList} on the engine under test. */
@ServerTest
class RevocationListTest {
    static MigratedDatabase database;

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    @Test
    void whenOneTokenIsRevokedByManyCallsAtOnce_thenEveryCallSucceedsAndOneRowIsStored() throws Exception {
        // RFC 7009 §2.2: revocation answers 200, also to a client that revokes the same token twice at once.
        var list = new RevocationList(
                database.db(), Clock.systemUTC(), Duration.ofSeconds(1), new ClusterEvents(database.db()));
        int callers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            for (int round = 0; round < 20; round++) {
                String jti = UUID.randomUUID().toString();
                Instant expires = Instant.now().plus(Duration.ofMinutes(10));
                var gate = new CyclicBarrier(callers);
                List<Future<?>> calls = new ArrayList<>();
                for (int i = 0; i < callers; i++) {
                    calls.add(pool.submit(() -> {
                        gate.await();
                        list.revoke(jti, expires);
                        return null;
                    }));
                }
                for (Future<?> call : calls) call.get(); // throws if any revocation did
                assertThat(list.isRevoked(jti)).isTrue();
                int rows = database.db()
                        .<Integer>withHandle(
                                h -> h.createQuery("SELECT COUNT(*) FROM revoked_access_tokens WHERE jti = :jti")
                                        .bind("jti", jti)
                                        .mapTo(Integer.class)
                                        .one());
                assertThat(rows).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
