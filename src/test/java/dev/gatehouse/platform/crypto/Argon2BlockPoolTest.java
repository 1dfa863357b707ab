package dev.gatehouse.platform.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.ptr.PointerByReference;
import de.mkammerer.argon2.jna.Size_t;
import org.junit.jupiter.api.Test;

/** The working-memory pool of {@link NativeArgon2}: blocks handed back are reused, at most as many as it keeps. */
class Argon2BlockPoolTest {
    private static final long SIZE = 1024 * 1024;

    private static PointerByReference allocate(NativeArgon2.BlockPool pool, long size) {
        var block = new PointerByReference();
        assertThat(pool.allocate(block, new Size_t(size))).isZero();
        return block;
    }

    private static void free(NativeArgon2.BlockPool pool, PointerByReference block, long size) {
        pool.free(block.getValue(), new Size_t(size));
    }

    @Test
    void whenABlockOfAnotherSizeIsIdle_thenItGivesWayToTheSizeInUse_andBothKeptBlocksAreReused() {
        var pool = new NativeArgon2.BlockPool(2, java.time.Duration.ofHours(1));
        // The start-up self-test hashes with 8 KiB: its block must not hold one of the two places for good.
        free(pool, allocate(pool, 8 * 1024), 8 * 1024);

        var a = allocate(pool, SIZE);
        var b = allocate(pool, SIZE);
        free(pool, a, SIZE);
        free(pool, b, SIZE);

        assertThat(pool.idleSizes()).containsExactly(SIZE, SIZE);
        var c = allocate(pool, SIZE);
        var d = allocate(pool, SIZE);
        assertThat(java.util.List.of(c.getValue(), d.getValue())).containsExactlyInAnyOrder(a.getValue(), b.getValue());
        free(pool, c, SIZE);
        free(pool, d, SIZE);
    }

    @Test
    void whenMoreBlocksComeBackThanItKeeps_thenTheRestAreReleased() {
        var pool = new NativeArgon2.BlockPool(1, java.time.Duration.ofHours(1));
        var a = allocate(pool, SIZE);
        var b = allocate(pool, SIZE);
        free(pool, a, SIZE);
        free(pool, b, SIZE);

        assertThat(pool.idleSizes()).containsExactly(SIZE);
    }

    @Test
    void whenNoTwoHashesRanAtOnceForTheLingerTime_thenAllButOneIdleBlockAreReleased() throws InterruptedException {
        var pool = new NativeArgon2.BlockPool(2, java.time.Duration.ofMillis(200));
        var a = allocate(pool, SIZE);
        var b = allocate(pool, SIZE);
        free(pool, a, SIZE);
        free(pool, b, SIZE);
        assertThat(pool.idleSizes()).as("both kept right after").hasSize(2);

        // One hash at a time within the linger time does not count as side by side, and does not delay the release.
        free(pool, allocate(pool, SIZE), SIZE);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (pool.idleSizes().size() > 1 && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(pool.idleSizes()).containsExactly(SIZE);
    }

    @Test
    void whenHashesKeepRunningSideBySide_thenBothBlocksStay() throws InterruptedException {
        var pool = new NativeArgon2.BlockPool(2, java.time.Duration.ofMillis(300));
        for (int i = 0; i < 10; i++) {
            var a = allocate(pool, SIZE);
            var b = allocate(pool, SIZE);
            free(pool, a, SIZE);
            free(pool, b, SIZE);
            assertThat(pool.idleSizes()).hasSize(2);
            Thread.sleep(60); // 600 ms in all: past the linger time, but never 300 ms without two at once
        }
    }
}
