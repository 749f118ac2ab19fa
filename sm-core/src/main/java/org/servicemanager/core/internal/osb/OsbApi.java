package org.servicemanager.core.internal.osb;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.BrokerException;
import org.servicemanager.api.BrokerUnreachableException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.store.Repository;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.osb.OsbChecks.Bind;
import org.servicemanager.core.internal.osb.OsbChecks.OsbCall;
import org.servicemanager.core.internal.osb.OsbChecks.Provision;
import org.servicemanager.core.internal.osb.OsbChecks.Update;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.osb.OsbForwarder.Answer;
import org.servicemanager.core.internal.osb.OsbRegistry.PlanRef;
import org.servicemanager.core.internal.registry.Context;

/**
 * The OSB endpoints under {@code /v1/osb/{broker_id}}. Each verb runs its {@link OsbChecks checks}
 * first (a refused call leaves no trace and never reaches the broker), then forwards the call and
 * keeps the {@link OsbRecords records} in step with the broker's answer (OSB.md, "What we record").
 */
final class OsbApi {
    private final OsbCatalog catalog;
    private final OsbChecks checks;
    private final OsbRecords records;
    private final OsbForwarder forwarder;
    private final OsbSharing sharing;

    OsbApi(Context ctx, OsbChecks checks, OsbRecords records) {
        this.catalog = new OsbCatalog(ctx);
        this.checks = checks;
        this.records = records;
        this.forwarder = new OsbForwarder(ctx.brokers(), ctx.secrets());
        this.sharing = new OsbSharing(ctx);
    }

    SmResponse catalog(Call call) {
        OsbCall osb = checks.check(call);
        return SmResponse.builder(200).header("Content-Type", Responses.JSON)
                .body(catalog.catalog(osb.broker().id(), osb.platform().id())).build();
    }

    // ---- instances -----------------------------------------------------------------------------

    CompletableFuture<SmResponse> provision(Call call) {
        Provision p = checks.provision(checks.check(call));
        String referenced = sharing.referenceFor(p);
        Operation op = records.operation(p.osb(), OperationType.CREATE);
        ServiceInstance placeholder = records.placeholder(p, op).withReferencedInstanceId(referenced);
        // A reference is the Service Manager's own: created at once, 200 when it existed already (OSB).
        Function<OsbRecords.Reserved<ServiceInstance>, CompletableFuture<Answer>> send = referenced == null
                ? reserved -> forwarder.forward(p.osb())
                : reserved -> OsbSharing.answered(reserved == null ? 200 : 201, Json.object());
        return create(p.osb(), records.instances(), OsbRecords.instanceKey(placeholder.id()), placeholder, op,
                send, existing -> {
                    checks.requireReusable(p.osb(), existing);
                    OsbSharing.requireSameReference(existing, referenced);
                },
                (reserved, answer) -> records.provisioned(p, placeholder, reserved,
                        reserved == null ? op : reserved.operation(), answer));
    }

    CompletableFuture<SmResponse> update(Call call) {
        Update u = checks.update(checks.check(call));
        OsbSharing.checkUpdate(u);
        Operation op = records.operation(u.osb(), OperationType.UPDATE);
        return forwarder.forward(u.osb()).handle((answer, failure) -> {
            records.updated(u, answer, failure, op);
            return toPlatform(answer, failure);
        });
    }

    CompletableFuture<SmResponse> deprovision(Call call) {
        OsbCall osb = checks.check(call);
        Optional<ServiceInstance> instance = checks.deprovision(osb);
        sharing.checkDeprovision(instance);
        Operation op = records.operation(osb, OperationType.DELETE);
        boolean reference = instance.isPresent() && instance.get().isReference();
        LastOperation before = sharing.markDeleting(instance, op);
        CompletableFuture<Answer> sent = reference ? OsbSharing.answered(200, Json.object()) : forwarder.forward(osb);
        return sent.handle((answer, failure) -> {
            // Not deleted (refused, failed, unanswered): the shared instance is as it was, open to references.
            boolean deleting = failure == null && (answer.status() == 200 || answer.status() == 202
                    || answer.status() == 410);
            if (before != null && !deleting) {
                sharing.unmark(osb.instanceId(), op, before);
            }
            records.deprovisioned(osb, instance, answer, failure, op);
            return toPlatform(answer, failure);
        });
    }

    CompletableFuture<SmResponse> fetchInstance(Call call) {
        OsbCall osb = checks.check(call);
        ServiceInstance instance = checks.ownedInstance(osb);
        if (instance.isReference()) {
            // The broker has no instance of that id; the Service Manager knows all there is (OSB fetch has no 400).
            PlanRef plan = checks.planOf(osb.view(), instance);
            return OsbSharing.answered(200, Json.object().put("service_id", plan.offering().catalogId())
                    .put("plan_id", plan.plan().catalogId())).thenApply(OsbForwarder::toPlatform);
        }
        checks.fetchInstance(osb);
        return forwarder.forward(osb).thenApply(OsbForwarder::toPlatform);
    }

    CompletableFuture<SmResponse> instanceLastOperation(Call call) {
        OsbCall osb = checks.check(call);
        Optional<ServiceInstance> instance = checks.knownInstance(osb);
        if (instance.isPresent() && instance.get().isReference()) {
            // Created at once, never in progress: nothing to ask the broker.
            return OsbSharing.answered(200, Json.object().put("state", "succeeded"))
                    .thenApply(OsbForwarder::toPlatform);
        }
        return forwarder.forward(osb).thenApply(answer -> {
            instance.ifPresentOrElse(i -> records.followInstance(i.id(), answer),
                    () -> records.followUnrecorded(osb, answer));
            return OsbForwarder.toPlatform(answer);
        });
    }

    // ---- bindings ------------------------------------------------------------------------------

    CompletableFuture<SmResponse> bind(Call call) {
        Bind b = checks.bind(checks.check(call));
        OsbCall toBroker = b.osb();
        byte[] body = null;
        if (b.instance().isReference()) {
            // Made at the broker on the shared instance and its plan, recorded under the reference.
            PlanRef sharedPlan = checks.planOf(b.osb().view(), sharing.sharedForBind(b.instance()));
            if (!sharedPlan.bindable()) {
                throw new BadRequestException("plan '" + sharedPlan.plan().catalogName() + "' of the shared instance "
                        + "that service instance '" + b.instance().id() + "' references is not bindable");
            }
            toBroker = sharing.towardsShared(b.osb(), b.instance(), b.plan(), sharedPlan);
            body = OsbSharing.bindBody(b.osb(), sharedPlan);
        }
        OsbCall forwarded = toBroker;
        byte[] forwardedBody = body;
        Operation op = records.operation(b.osb(), OperationType.CREATE);
        ServiceBinding placeholder = records.placeholder(b, op);
        return create(b.osb(), records.bindings(), OsbRecords.bindingKey(placeholder.id()), placeholder, op,
                reserved -> forwarder.forward(forwarded, forwardedBody),
                existing -> checks.requireReusable(b.osb(), existing),
                (reserved, answer) -> records.bound(b, placeholder, reserved,
                        reserved == null ? op : reserved.operation(), answer));
    }

    CompletableFuture<SmResponse> unbind(Call call) {
        OsbCall osb = checks.check(call);
        Optional<ServiceBinding> binding = checks.unbind(osb);
        Operation op = records.operation(osb, OperationType.DELETE);
        return forwarder.forward(towardsBroker(osb)).handle((answer, failure) -> {
            records.unbound(osb, binding, answer, failure, op);
            return toPlatform(answer, failure);
        });
    }

    CompletableFuture<SmResponse> fetchBinding(Call call) {
        OsbCall osb = checks.check(call);
        checks.fetchBinding(osb);
        return forwarder.forward(towardsBroker(osb)).thenApply(OsbForwarder::toPlatform);
    }

    CompletableFuture<SmResponse> bindingLastOperation(Call call) {
        OsbCall osb = checks.check(call);
        Optional<ServiceBinding> binding = checks.knownBinding(osb);
        return forwarder.forward(towardsBroker(osb)).thenApply(answer -> {
            binding.ifPresentOrElse(b -> records.followBinding(b.id(), answer),
                    () -> records.followUnrecorded(osb, answer));
            return OsbForwarder.toPlatform(answer);
        });
    }

    /** A call on a binding, addressed as the broker knows it: a reference's bindings are the shared instance's. */
    private OsbCall towardsBroker(OsbCall osb) {
        Optional<ServiceInstance> instance = checks.knownInstance(osb);
        if (instance.isEmpty() || !instance.get().isReference()) {
            return osb;
        }
        ServiceInstance reference = instance.get();
        return sharing.towardsShared(osb, reference, checks.planOf(osb.view(), reference),
                checks.planOf(osb.view(), sharing.shared(reference)));
    }

    // ---- creates -------------------------------------------------------------------------------

    /**
     * Forwards a provision or bind behind a placeholder record: reserved first (so concurrent
     * creates of one id make one record), moved on by {@code record} (given the record as this call
     * reserved it, or null if it found one) when the broker created it, dropped when the broker
     * refused and this call made it. After any other outcome (a timeout, a 5xx, another 2xx, an
     * answer that is not JSON) the broker may hold what was asked for, so the placeholder stays
     * until the broker says otherwise: the platform's orphan mitigation (a deprovision or unbind)
     * or the placeholder sweep resolves it. Marked in flight meanwhile, so the sweep leaves it alone.
     *
     * <p>The call's operation {@code op} is stored with the placeholder, or (when a record was
     * found) with the answer; it fails whenever the broker did not create the resource, even though
     * the placeholder stays after an answer we cannot read: the sweep ends it when it resolves the record.
     */
    private <T extends Entity> CompletableFuture<SmResponse> create(OsbCall osb, Repository<T> repo, String key,
            T placeholder, Operation op, Function<OsbRecords.Reserved<T>, CompletableFuture<Answer>> send,
            Consumer<T> onExisting, BiConsumer<OsbRecords.Reserved<T>, Answer> record) {
        if (!records.forwarding(key)) {
            return heldBySweep();
        }
        OsbRecords.Reserved<T> reserved;
        try {
            reserved = records.reserve(repo, placeholder, op, onExisting);
            if (reserved == null) {
                records.touchIfUnanswered(repo, placeholder.id());
            }
        } catch (OsbRecords.HeldBySweep e) {
            records.settled(key);
            return heldBySweep();
        } catch (RuntimeException e) {
            records.settled(key);
            throw e;
        }
        return send.apply(reserved).handle((answer, failure) -> {
            try {
                if (failure == null && created(answer)) {
                    record.accept(reserved, answer);
                    return OsbForwarder.toPlatform(answer);
                }
                Operation stored = reserved == null ? op : reserved.operation();
                Instant now = records.now();
                Throwable problem = failure == null && answer.status() >= 200 && answer.status() < 300
                        ? notACreate(osb, answer) : failure;
                Operation failed = problem != null ? OsbOperations.callFailed(stored, problem, now)
                        : OsbOperations.brokerError(stored, answer, osb.broker().name(), now);
                if (reserved != null && refused(answer, failure)) {
                    records.drop(repo, reserved.record(), failed);
                } else {
                    records.record(failed);
                }
                if (problem != null && failure == null) {
                    throw (BrokerException) problem;
                }
                return toPlatform(answer, failure);
            } finally {
                records.settled(key);
            }
        });
    }

    // ---- answers -------------------------------------------------------------------------------

    /**
     * A create of an id whose placeholder a sweep is resolving with the broker, here or on another
     * node. OSB's own answer for "another operation on this resource is in progress": platforms
     * retry it later and start no orphan mitigation.
     */
    private static CompletableFuture<SmResponse> heldBySweep() {
        return CompletableFuture.completedFuture(Responses.error(422, "ConcurrencyError", "the Service Manager is "
                + "resolving an earlier, unanswered create of this id with the broker; retry shortly"));
    }

    /**
     * Whether the broker certainly holds nothing of a create: it refused it (4xx, which OSB exempts
     * from orphan mitigation), or the request never reached it (no connection was made).
     */
    private static boolean refused(Answer answer, Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            return cause instanceof BrokerUnreachableException unreachable && !unreachable.requestMayHaveArrived();
        }
        return answer.status() >= 400 && answer.status() < 500;
    }

    /** Whether the broker created what a provision or bind asked for (200, 201), or started to (202). */
    private static boolean created(Answer answer) {
        return answer.status() == 200 || answer.status() == 201 || answer.status() == 202;
    }

    /**
     * Another 2xx (say 204) is no answer OSB allows to a provision or bind: the platform must not
     * take it for a success, and a 5xx makes it start orphan mitigation (OSB.md).
     */
    private static BrokerException notACreate(OsbCall osb, Answer answer) {
        String what = osb.call().optionalPathParam("binding_id").isPresent() ? "bind" : "provision";
        return new BrokerException("service broker '" + osb.broker().name() + "' answered the " + what
                + " with HTTP " + answer.status() + ", which OSB does not allow (200, 201 or 202); it is "
                + "treated as failed and not recorded");
    }

    private static SmResponse toPlatform(Answer answer, Throwable failure) {
        if (failure != null) {
            throw failure instanceof RuntimeException r ? r : new CompletionException(failure);
        }
        return OsbForwarder.toPlatform(answer);
    }
}
