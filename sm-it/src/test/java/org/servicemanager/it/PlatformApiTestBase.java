package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationError;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.internal.security.AesGcmCipher;
import org.servicemanager.test.http.ApiResponse;

/**
 * The stage of the tests of the Service Manager as a platform ({@code /v1/service_instances},
 * {@code /v1/service_bindings}, operations): the OSB stage, a known encryption key, and records
 * written straight into the store where a test needs a state whose making is not what it tests
 * (an instance of the platform {@code service-manager}, a binding with sealed credentials, an
 * operation).
 */
abstract class PlatformApiTestBase extends OsbTestBase {
    static final byte[] KEY = new byte[32];

    static {
        for (int i = 0; i < KEY.length; i++) {
            KEY[i] = (byte) (i * 7 + 1);
        }
    }

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.encryptionKey(KEY);
    }

    Store store() {
        return server.sm().store();
    }

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    /** An instance of the platform {@code service-manager}, written straight into the store. */
    ServiceInstance smInstance(String planId, String name, boolean ready, LastOperation last) {
        Instant now = now();
        return store().repository(EntityTypes.SERVICE_INSTANCES).create(new ServiceInstance(unique("instance"), name,
                planId, Platform.SERVICE_MANAGER_ID, null, null, null, true, last, null, null, Labels.empty(), now, now,
                ready, 0));
    }

    ServiceInstance smInstance(String planId) {
        return smInstance(planId, unique("name"), true, LastOperation.succeeded(OperationType.CREATE));
    }

    /** A binding of the platform {@code service-manager} holding {@code credentialsJson} sealed with {@link #KEY}. */
    ServiceBinding smBinding(String instanceId, String name, String credentialsJson) {
        Instant now = now();
        String sealed = credentialsJson == null ? null : AesGcmCipher.of(KEY).encrypt(credentialsJson);
        return store().repository(EntityTypes.SERVICE_BINDINGS).create(new ServiceBinding(unique("binding"), name,
                instanceId, Platform.SERVICE_MANAGER_ID, null, null, sealed, LastOperation.succeeded(OperationType.CREATE),
                Labels.empty(), now, now, true, 0));
    }

    /** An operation on a resource, written straight into the store. */
    Operation operation(String resourceType, String resourceId, OperationType type, OperationState state) {
        Instant now = now();
        Operation started = Operation.start(unique("op"), type, resourceId, resourceType, Platform.SERVICE_MANAGER_ID,
                unique("correlation"), "node-1", now.plusSeconds(60), now);
        Operation stored = state == OperationState.FAILED
                ? started.withState(state, "it failed", List.of(new OperationError("BrokerError", "broker said no")), now)
                : started.withState(state, null, List.of(), now);
        return store().repository(EntityTypes.OPERATIONS).create(stored.withStep(Operation.Step.DONE, null, 0, now));
    }

    static void assertErrorNaming(ApiResponse response, int status, String error, String... fragments) {
        assertError(response, status, error);
        assertThat(description(response)).contains(fragments);
    }

    /**
     * PATCHes each of {@code paths} with {@code body} from its own thread, all released at once, and
     * returns the answers in the order of {@code paths}.
     */
    List<ApiResponse> concurrentPatches(List<String> paths, String body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(paths.size());
        ExecutorService pool = Executors.newFixedThreadPool(paths.size());
        try {
            List<Future<ApiResponse>> futures = new ArrayList<>();
            for (String path : paths) {
                Callable<ApiResponse> patch = () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return admin.patch(path, body);
                };
                futures.add(pool.submit(patch));
            }
            List<ApiResponse> answers = new ArrayList<>();
            for (Future<ApiResponse> future : futures) {
                answers.add(future.get(30, TimeUnit.SECONDS));
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }
}
