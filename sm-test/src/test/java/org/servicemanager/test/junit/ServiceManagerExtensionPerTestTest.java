package org.servicemanager.test.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("A ServiceManagerExtension in an instance field")
class ServiceManagerExtensionPerTestTest {
    private static final List<String> BASE_URLS = new CopyOnWriteArrayList<>();

    @RegisterExtension
    ServiceManagerExtension sm = ServiceManagerExtension.newInstance().build();

    @RepeatedTest(3)
    @DisplayName("starts a fresh Service Manager with an empty store for each test")
    void freshForEachTest(ServiceManagerRuntimeInfo info) {
        assertThat(info.admin().get("/v1/platforms").json().path("num_items").asInt()).isZero();
        info.registerPlatform("only-in-this-test");
        BASE_URLS.add(info.baseUrl());
    }

    @AfterAll
    static void eachTestHadItsOwnServer() {
        assertThat(BASE_URLS).hasSize(3).doesNotHaveDuplicates();
    }
}
