package org.servicemanager.core;

import java.util.concurrent.ForkJoinPool;

/**
 * JVM-wide settings that help the Service Manager, for a host's {@code main} to apply before
 * anything else runs. A library cannot apply them itself: they belong to the whole process.
 */
public final class JvmTuning {
    /** The system property that sizes the common {@link ForkJoinPool}. */
    public static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    private JvmTuning() {
    }

    /**
     * Gives the common {@link ForkJoinPool} at least two threads, unless the host has sized it.
     * With fewer than three cores the JDK gives it one thread, and {@code CompletableFuture} then
     * starts a new thread for every asynchronous task; the JDK {@code HttpClient} schedules one
     * such task per request, so every call to a broker would start a thread. This only works
     * before the common pool is first used, so call it first thing in {@code main}.
     *
     * @return the common pool's parallelism now in effect
     */
    public static int sizeCommonPool() {
        if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
            System.setProperty(COMMON_POOL_PARALLELISM,
                    String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
        }
        return ForkJoinPool.getCommonPoolParallelism();
    }
}
