package org.servicemanager.standalone;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.broker.RecordedRequest;
import org.servicemanager.test.broker.Reply;

/**
 * A {@link FakeBroker} whose instance endpoints follow a script the test changes while the Service
 * Manager works: what a provision answers, what {@code last_operation} says, what a deprovision
 * answers. It keeps the instances it holds (a provision that reached it holds one, whatever it
 * answered, as a broker that failed half-way may; a deprovision answered 200 or 410 removes it),
 * and when each poll of each instance arrived, so that a test can tell how many workers polled.
 * Thread-safe.
 */
final class ScriptedBroker implements AutoCloseable {
    static final String PLAN_CATALOG_ID = "small-id";

    private final FakeBroker broker = FakeBroker.start();
    private final AtomicReference<Reply> provision = new AtomicReference<>(Reply.json(202, "{\"operation\":\"op-1\"}"));
    private final AtomicReference<String> lastOperationState = new AtomicReference<>("in progress");
    private final AtomicReference<Reply> deprovision = new AtomicReference<>(Reply.json(200, "{}"));
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final Set<String> heldBindings = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Reply> unbind = new AtomicReference<>(Reply.json(200, "{}"));
    private final List<String> unbinds = new CopyOnWriteArrayList<>();
    private final Map<String, List<Long>> pollNanos = new ConcurrentHashMap<>();
    private final List<String> deprovisions = new CopyOnWriteArrayList<>();
    private final Map<String, List<Long>> deprovisionNanos = new ConcurrentHashMap<>();

    ScriptedBroker() {
        broker.route("PUT", "/v2/service_instances/{instance_id}", request -> {
            held.add(instanceId(request));
            return provision.get();
        });
        broker.route("GET", "/v2/service_instances/{instance_id}/last_operation", request -> {
            pollNanos.computeIfAbsent(instanceId(request), k -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
            return Reply.json(200, "{\"state\":\"" + lastOperationState.get() + "\"}");
        });
        broker.route("DELETE", "/v2/service_instances/{instance_id}", request -> {
            String id = instanceId(request);
            deprovisions.add(id);
            deprovisionNanos.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
            Reply reply = deprovision.get();
            if (reply.status() == 200 || reply.status() == 410) {
                held.remove(id);
            }
            return reply;
        });
        bindingRoutes();
    }

    private void bindingRoutes() {
        broker.route("PUT", "/v2/service_instances/{instance_id}/service_bindings/{binding_id}", request -> {
            heldBindings.add(bindingId(request));
            return Reply.json(201, "{\"credentials\":{\"password\":\"binding-secret\"}}");
        });
        broker.route("DELETE", "/v2/service_instances/{instance_id}/service_bindings/{binding_id}", request -> {
            String id = bindingId(request);
            unbinds.add(id);
            Reply reply = unbind.get();
            if (reply.status() == 200 || reply.status() == 410) {
                heldBindings.remove(id);
            }
            return reply;
        });
    }

    private static String bindingId(RecordedRequest request) {
        return request.path().substring(request.path().lastIndexOf('/') + 1);
    }

    private static String instanceId(RecordedRequest request) {
        String rest = request.path().substring("/v2/service_instances/".length());
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    String url() {
        return broker.url();
    }

    ScriptedBroker provisionAnswers(Reply reply) {
        provision.set(reply);
        return this;
    }

    ScriptedBroker lastOperationSays(String state) {
        lastOperationState.set(state);
        return this;
    }

    ScriptedBroker deprovisionAnswers(Reply reply) {
        deprovision.set(reply);
        return this;
    }

    ScriptedBroker unbindAnswers(Reply reply) {
        unbind.set(reply);
        return this;
    }

    /** The bindings this broker holds now (a bind answers 201 with credentials). */
    Set<String> bindings() {
        return Set.copyOf(heldBindings);
    }

    /** Every unbind received, by binding id in arrival order. */
    List<String> unbinds() {
        return List.copyOf(unbinds);
    }

    /** The instances this broker holds now. */
    Set<String> instances() {
        return Set.copyOf(held);
    }

    /** Every provision received (retries included), by instance id in arrival order. */
    List<String> provisions() {
        return broker.requests().stream().filter(r -> r.method().equals("PUT")).map(ScriptedBroker::instanceId)
                .toList();
    }

    List<String> deprovisions() {
        return List.copyOf(deprovisions);
    }

    int polls(String instanceId) {
        return pollNanos.getOrDefault(instanceId, List.of()).size();
    }

    /**
     * The shortest time between two successive polls of one instance, over all instances: two nodes
     * working one operation at once would poll it at about twice the rate.
     */
    Duration shortestPollGap() {
        return shortestGap(pollNanos);
    }

    /** Likewise for deprovisions: retries of one orphan mitigation come one retry interval apart or more. */
    Duration shortestDeprovisionGap() {
        return shortestGap(deprovisionNanos);
    }

    private static Duration shortestGap(Map<String, List<Long>> nanosByInstance) {
        long shortest = Long.MAX_VALUE;
        for (List<Long> times : nanosByInstance.values()) {
            List<Long> sorted = new ArrayList<>(times);
            sorted.sort(null);
            for (int i = 1; i < sorted.size(); i++) {
                shortest = Math.min(shortest, sorted.get(i) - sorted.get(i - 1));
            }
        }
        return Duration.ofNanos(shortest);
    }

    List<RecordedRequest> requests() {
        return broker.requests();
    }

    @Override
    public void close() {
        broker.close();
    }
}
