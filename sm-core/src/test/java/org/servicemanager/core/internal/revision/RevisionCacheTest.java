package org.servicemanager.core.internal.revision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("RevisionCache")
class RevisionCacheTest {
    private static final long WAIT_SECONDS = 30;

    private final Revision revision = new Revision(new RevisionTest.CountingStore(false));
    private final RevisionCache<String, String> cache =
            new RevisionCache<>("test", revision, 1_000, String::length, Duration.ofMinutes(1));
    private final AtomicInteger reads = new AtomicInteger();
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<Thread> callers = new ArrayList<>();

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    private String read(String key) {
        return cache.get(key, () -> key + "@" + reads.incrementAndGet());
    }

    /** A read that counts itself, says it has started, and ends only when {@code release} opens. */
    private Supplier<String> blockedRead(String value, CountDownLatch started, CountDownLatch release) {
        return () -> {
            reads.incrementAndGet();
            started.countDown();
            await(release);
            return value;
        };
    }

    /** Calls {@code cache.get} on a thread of its own, remembering the thread. */
    private Future<String> callOnThread(String key, Supplier<String> read) {
        CountDownLatch running = new CountDownLatch(1);
        Future<String> result = pool.submit(() -> {
            synchronized (callers) {
                callers.add(Thread.currentThread());
            }
            running.countDown();
            return cache.get(key, read);
        });
        await(running);
        return result;
    }

    /** Waits until every caller thread is parked: in the read's latch or waiting for another's read. */
    private void awaitAllParked() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (true) {
            boolean parked;
            synchronized (callers) {
                parked = callers.stream().allMatch(t -> t.getState() == Thread.State.WAITING
                        || t.getState() == Thread.State.TIMED_WAITING);
            }
            if (parked) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the callers did not all park");
            }
            Thread.sleep(1);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    @DisplayName("reads once per key while the revision stays, and again once it moves")
    void followsTheRevision() {
        assertThat(read("a")).isEqualTo("a@1");
        assertThat(read("a")).isEqualTo("a@1");
        assertThat(read("b")).isEqualTo("b@2");

        revision.bump();

        assertThat(read("a")).isEqualTo("a@3");
        assertThat(read("a")).isEqualTo("a@3");
    }

    @Test
    @DisplayName("does not keep a read that found nothing")
    void nothingIsNotCached() {
        assertThat(cache.get("gone", () -> {
            reads.incrementAndGet();
            return null;
        })).isNull();

        assertThat(read("gone")).isEqualTo("gone@2");
    }

    @Test
    @DisplayName("callers that ask for a key at once while it is being read wait for that one read")
    void concurrentCallersShareOneRead() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Supplier<String> read = blockedRead("value", started, release);
        List<Future<String>> results = new ArrayList<>();
        results.add(callOnThread("k", read));
        await(started);
        for (int i = 0; i < 15; i++) {
            results.add(callOnThread("k", read));
        }
        awaitAllParked();

        release.countDown();

        for (Future<String> result : results) {
            assertThat(result.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("value");
        }
        assertThat(reads).hasValue(1);
        assertThat(read("k")).isEqualTo("value");
        assertThat(reads).hasValue(1);
    }

    @Test
    @DisplayName("a failed read fails for the callers waiting on it, and the next caller reads again")
    void failedReadIsNotKept() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        IllegalStateException failure = new IllegalStateException("store down");
        Supplier<String> failing = () -> {
            reads.incrementAndGet();
            started.countDown();
            await(release);
            throw failure;
        };
        Future<String> first = callOnThread("k", failing);
        await(started);
        Future<String> waiting = callOnThread("k", failing);
        awaitAllParked();

        release.countDown();

        for (Future<String> result : List.of(first, waiting)) {
            assertThatThrownBy(() -> result.get(WAIT_SECONDS, TimeUnit.SECONDS)).hasCause(failure);
        }
        assertThat(reads).hasValue(1);
        assertThat(read("k")).isEqualTo("k@2");
    }

    @Test
    @DisplayName("a caller at a newer revision does not wait for a read at an older one, nor is its value replaced")
    void newerRevisionReadsAgain() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<String> old = callOnThread("k", blockedRead("old", started, release));
        await(started);

        revision.bump();
        Future<String> fresh = callOnThread("k", () -> "fresh@" + reads.incrementAndGet());

        assertThat(fresh.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("fresh@2");
        release.countDown();
        assertThat(old.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("old");
        assertThat(read("k")).isEqualTo("fresh@2");
        assertThat(reads).hasValue(2);
    }

    @Test
    @DisplayName("counts look-ups answered at the current revision as hits and the others as misses, for metrics")
    void countsHitsAndMisses() {
        read("a");
        read("a");
        revision.bump();
        read("a");

        assertThat(cache.hits()).isEqualTo(1);
        assertThat(cache.misses()).isEqualTo(2);
        assertThat(cache.size()).isEqualTo(1);
        assertThat(revision.caches()).extracting(c -> c.name()).containsExactly("test");
    }
}
