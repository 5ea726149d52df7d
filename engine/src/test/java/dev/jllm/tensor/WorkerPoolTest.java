package dev.jllm.tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How {@link WorkerPool#parallelFor} splits a range: every index once, chunks on the grain, shrinking towards the end. */
class WorkerPoolTest {
    static final WorkerPool POOL = new WorkerPool(2);

    @AfterAll
    static void close() {
        POOL.close();
    }

    record Chunk(int start, int end) {}

    @ParameterizedTest
    @CsvSource({"1037, 16", "16, 16", "17, 16", "128256, 16", "3072, 16", "5, 1", "1000, 7"})
    void everyIndexOnceInChunksOnTheGrain(int n, int grain) {
        AtomicIntegerArray seen = new AtomicIntegerArray(n);
        List<Chunk> chunks = Collections.synchronizedList(new ArrayList<>());
        POOL.parallelFor(n, grain, (s, e) -> {
            chunks.add(new Chunk(s, e));
            for (int i = s; i < e; i++) seen.incrementAndGet(i);
        });
        for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "index " + i);
        for (Chunk c : chunks) {
            assertEquals(0, c.start % grain, "chunk " + c + " starts off the grain " + grain);
            assertTrue(c.end == n || (c.end - c.start) % grain == 0, "chunk " + c + " is not a whole number of grains");
        }
    }

    @Test
    void chunksShrinkSoThatTheLastOnesAreSmall() {
        List<Chunk> chunks = Collections.synchronizedList(new ArrayList<>());
        POOL.parallelFor(128_256, 16, (s, e) -> chunks.add(new Chunk(s, e)));
        chunks.sort((a, b) -> Integer.compare(a.start, b.start));
        Chunk first = chunks.getFirst(), last = chunks.getLast();
        // a quarter of the range first (1/(2·threads)), one grain at the end
        assertEquals(128_256 / 4 / 16 * 16, first.end - first.start);
        assertEquals(16, last.end - last.start);
        assertTrue(chunks.size() < 100, chunks.size() + " claims for 8016 grains: the shares should shrink geometrically");
    }

    @Test
    void aFailingChunkFailsTheCallAfterTheOthersFinish() {
        IllegalStateException boom = new IllegalStateException("boom");
        var thrown = assertThrows(IllegalStateException.class, () -> POOL.parallelFor(1000, 10, (s, e) -> {
            if (s <= 500 && 500 < e) throw boom;
        }));
        assertSame(boom, thrown);
        // the pool still works afterwards
        AtomicIntegerArray seen = new AtomicIntegerArray(100);
        POOL.parallelFor(100, 10, (s, e) -> { for (int i = s; i < e; i++) seen.incrementAndGet(i); });
        for (int i = 0; i < 100; i++) assertEquals(1, seen.get(i));
    }
}
