package org.servicemanager.it;

import java.net.InetSocketAddress;
import java.util.function.Consumer;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.jdk.SmHttpServer;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.http.ApiClient;

/** One Service Manager with a fresh memory store, served on a free loopback port. */
final class SmServer implements AutoCloseable {
    static final String ADMIN_USER = "admin";
    static final String ADMIN_PASSWORD = "admin-secret";

    private final ServiceManager sm;
    private final SmHttpServer http;

    private SmServer(ServiceManager sm, SmHttpServer http) {
        this.sm = sm;
        this.http = http;
    }

    static SmServer start() {
        return start(builder -> { });
    }

    /** Starts with the test admin user and a memory store; {@code customizer} may change the builder. */
    static SmServer start(Consumer<ServiceManager.Builder> customizer) {
        ServiceManager.Builder builder = ServiceManager.builder().store(new MemoryStore())
                .adminUser(ADMIN_USER, ADMIN_PASSWORD);
        customizer.accept(builder);
        ServiceManager sm = builder.build();
        return new SmServer(sm, SmHttpServer.start(sm, new InetSocketAddress("127.0.0.1", 0)));
    }

    /** The Service Manager itself, for what a test must reach beyond HTTP (its store, a sweep run now). */
    ServiceManager sm() {
        return sm;
    }

    String baseUrl() {
        return http.baseUrl();
    }

    ApiClient anonymous() {
        return new ApiClient(baseUrl());
    }

    ApiClient admin() {
        return anonymous().withCredentials(ADMIN_USER, ADMIN_PASSWORD);
    }

    @Override
    public void close() {
        http.close();
        sm.close();
        sm.store().close();
    }
}
