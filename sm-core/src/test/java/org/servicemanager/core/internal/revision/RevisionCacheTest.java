package org.servicemanager.core.internal.revision;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("RevisionCache")
class RevisionCacheTest {
    private final Revision revision = new Revision(new RevisionTest.CountingStore(false));
    private final RevisionCache<String, String> cache =
            new RevisionCache<>(revision, 1_000, String::length, Duration.ofMinutes(1));
    private final AtomicInteger reads = new AtomicInteger();

    private String read(String key) {
        return cache.get(key, () -> key + "@" + reads.incrementAndGet());
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
}
