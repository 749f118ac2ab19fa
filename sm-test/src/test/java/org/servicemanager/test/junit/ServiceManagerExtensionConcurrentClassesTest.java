package org.servicemanager.test.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code @Nested} classes run concurrently call the class callbacks of the one static extension
 * from several threads at once. The callbacks are called directly (a built extension reads nothing
 * from the context) to make the threads collide often.
 */
@DisplayName("A ServiceManagerExtension shared by concurrent nested classes")
class ServiceManagerExtensionConcurrentClassesTest {

    @Test
    @DisplayName("keeps the Service Manager running until the outer class ends, however the nested classes interleave")
    void countsNestedClassesUnderConcurrency() throws Exception {
        ServiceManagerExtension extension = ServiceManagerExtension.newInstance().http(false).build();
        extension.beforeAll(null);
        ServiceManagerRuntimeInfo outer = extension.runtimeInfo();
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> nested = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                nested.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 20_000; i++) {
                        extension.beforeAll(null);
                        extension.afterAll(null);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : nested) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(extension.runtimeInfo()).isSameAs(outer);
        extension.afterAll(null);
        assertThatThrownBy(extension::runtimeInfo).isInstanceOf(IllegalStateException.class);
    }
}
