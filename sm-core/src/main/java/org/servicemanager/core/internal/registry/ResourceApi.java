package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.ConflictException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.query.Cursor;
import org.servicemanager.api.query.Page;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.query.PageTokens;
import org.servicemanager.core.internal.query.QueryParser;
import org.servicemanager.core.internal.security.Principal;

/** What every resource type shares: get, list with queries and paging, delete, bulk delete. */
abstract class ResourceApi<T extends Entity> {
    static final int DEFAULT_PAGE_SIZE = 50;
    static final int MAX_PAGE_SIZE = 500;
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9\\-._~]{1,50}");
    private static final int MAX_PATCH_ATTEMPTS = 5;
    /** How long the first of records renamed to one name waits for the later ones to give way. */
    private static final Duration NAME_RACE_WAIT = Duration.ofSeconds(2);
    private static final Duration NAME_RACE_POLL = Duration.ofMillis(5);
    /** How many records holding one name a rename reads (more than concurrent requests ever race). */
    private static final int NAME_RACE_PAGE = 50;

    final Context ctx;
    final EntityType<T> type;

    ResourceApi(Context ctx, EntityType<T> type) {
        this.ctx = ctx;
        this.type = type;
    }

    abstract ObjectNode toJson(T entity);

    /** A page of entities as JSON; types that add data read elsewhere override it to read it once. */
    List<ObjectNode> toJson(List<T> entities) {
        return entities.stream().map(this::toJson).toList();
    }

    /** What {@code principal} may see of this type; administrators see everything. */
    Scope scopeFor(Principal principal) {
        return Scope.ALL;
    }

    /** What {@code principal} may see: the type's own scope and, with multitenancy on, its tenant's part. */
    final Scope visibleTo(Principal principal) {
        return scopeFor(principal).and(TenantGuard.scope(ctx, principal, type));
    }

    Repository<T> repo() {
        return ctx.store().repository(type);
    }

    /** The entity, or 404 naming the type and id. */
    T require(String id) {
        return repo().get(id).orElseThrow(() -> notFound(id));
    }

    NotFoundException notFound(String id) {
        return new NotFoundException(type.singular() + " '" + id + "' not found");
    }

    SmResponse get(Call call) {
        String id = call.pathParam("id");
        Scope scope = visibleTo(call.principal());
        if (scope.nothing()) {
            throw notFound(id);
        }
        T entity = scope.query().isEmpty()
                ? require(id)
                : repo().list(Query.fieldEquals("id", id).and(scope.query()), PageRequest.first(1)).items().stream()
                        .findFirst().orElseThrow(() -> notFound(id));
        return Responses.json(200, toJson(entity));
    }

    SmResponse list(Call call) {
        Query query = parseQueries(call);
        int maxItems = maxItems(call);
        Cursor after = call.query("token").filter(t -> !t.isEmpty())
                .map(t -> PageTokens.decode(type.name(), t)).orElse(null);
        Scope scope = visibleTo(call.principal());
        Page<T> page = scope.nothing()
                ? new Page<>(List.of(), 0, false)
                : repo().list(query.and(scope.query()), new PageRequest(maxItems, after));
        ObjectNode body = Json.object();
        String token = null;
        if (page.hasMore() && !page.items().isEmpty()) {
            T last = page.items().get(page.items().size() - 1);
            token = PageTokens.encode(type.name(), new Cursor(last.createdAt(), last.id()));
            body.put("token", token);
        }
        body.put("num_items", page.totalItems());
        ArrayNode items = body.putArray("items");
        toJson(page.items()).forEach(items::add);
        SmResponse.Builder response = Responses.jsonBuilder(200, body);
        if (token != null) {
            response.header("Link", "<" + nextLink(call.request(), token) + ">; rel=\"next\"");
        }
        return response.build();
    }

    Query parseQueries(Call call) {
        return QueryParser.parseFieldQuery(call.query("fieldQuery").orElse(null), type)
                .and(QueryParser.parseLabelQuery(call.query("labelQuery").orElse(null)));
    }

    private static int maxItems(Call call) {
        Optional<String> raw = call.query("max_items");
        if (raw.isEmpty()) {
            return DEFAULT_PAGE_SIZE;
        }
        String value = raw.get();
        if (!value.matches("\\d+")) {
            throw new BadRequestException("max_items must be a non-negative integer, was '" + value + "'");
        }
        // Any non-negative integer is valid and capped silently, also one too large for an int.
        return value.length() > 9 ? MAX_PAGE_SIZE : Math.min(Integer.parseInt(value), MAX_PAGE_SIZE);
    }

    /** The same request with the new token; other parameters are kept as the client sent them. */
    private static String nextLink(SmRequest request, String token) {
        StringBuilder query = new StringBuilder();
        if (request.rawQuery() != null) {
            for (String pair : request.rawQuery().split("&")) {
                if (!pair.isEmpty() && !pair.equals("token") && !pair.startsWith("token=")) {
                    query.append(pair).append('&');
                }
            }
        }
        query.append("token=").append(URLEncoder.encode(token, StandardCharsets.UTF_8));
        return request.basePath() + request.path() + "?" + query;
    }

    SmResponse delete(Call call) {
        String id = call.pathParam("id");
        if (!repo().delete(id)) {
            throw notFound(id);
        }
        return Responses.emptyObject(200);
    }

    /** {@code DELETE /v1/<type>?fieldQuery=...}: a query is required, so nothing is deleted by accident. */
    SmResponse bulkDelete(Call call) {
        boolean hasQuery = call.query("fieldQuery").filter(q -> !q.isBlank()).isPresent()
                || call.query("labelQuery").filter(q -> !q.isBlank()).isPresent();
        if (!hasQuery) {
            throw new BadRequestException("deleting " + type.name() + " in bulk needs a fieldQuery or labelQuery; "
                    + "to delete one, use DELETE /v1/" + type.name() + "/{id}");
        }
        Scope scope = visibleTo(call.principal());
        int deleted = scope.nothing() ? 0 : repo().deleteAll(parseQueries(call).and(scope.query()));
        if (deleted == 0) {
            throw new NotFoundException("no " + type.name() + " match the query");
        }
        return Responses.emptyObject(200);
    }

    /**
     * Read-modify-write with optimistic locking, retried when another writer got in between, so
     * concurrent label changes are applied one after the other and none is lost.
     */
    T updateWithRetry(String id, UnaryOperator<T> change) {
        for (int attempt = 1; ; attempt++) {
            T current = require(id);
            T changed = change.apply(current);
            try {
                return repo().update(changed);
            } catch (ConcurrentModificationException e) {
                if (attempt == MAX_PATCH_ATTEMPTS) {
                    throw new ConcurrentModificationException(type.singular() + " '" + id
                            + "' is being changed concurrently; retry the request");
                }
            }
        }
    }

    /**
     * Changes a record without a broker call (labels, a binding's name) and records that as an
     * update operation, succeeded at once, in the same transaction: every mutating call is an
     * operation. {@code recordLast} makes the changed record name the operation as its last one;
     * {@code null} leaves the record's last operation alone (records of other platforms, whose
     * last operation their platform polls through the OSB face). Retried like
     * {@link #updateWithRetry} when the record changes meanwhile.
     */
    T updateAsOperation(Call call, String id, String resourceType, UnaryOperator<T> change,
            BiFunction<T, LastOperation, T> recordLast) {
        for (int attempt = 1; ; attempt++) {
            T current = require(id);
            Instant now = ctx.now();
            Operation op = new Operation(ctx.newId(), OperationType.UPDATE, OperationState.SUCCEEDED, id,
                    resourceType, Platform.SERVICE_MANAGER_ID, call.correlationId(), null, List.of(), null, null, null,
                    Operation.Step.DONE, null, null, Instant.EPOCH, null, null, 0, null, Labels.empty(), now, now,
                    true, 0);
            T changed = change.apply(current);
            T recorded = recordLast == null ? changed : recordLast.apply(changed,
                    new LastOperation(op.type(), op.state(), null, null, op.id()));
            try {
                return ctx.store().inTransaction(s -> {
                    T updated = s.repository(type).update(recorded);
                    s.repository(EntityTypes.OPERATIONS).create(op);
                    return updated;
                });
            } catch (ConcurrentModificationException e) {
                if (attempt == MAX_PATCH_ATTEMPTS) {
                    throw new ConcurrentModificationException(type.singular() + " '" + id
                            + "' is being changed concurrently; retry the request");
                }
            }
        }
    }

    /**
     * Makes a committed rename race-safe without a unique key, by the rule the engine applies to
     * creates: of the records of {@code sameName}, the first by (created_at, id) keeps the name and
     * the others give way. The first waits (briefly) until the later ones it sees are gone, since
     * one of them may have checked before this rename committed, seen itself alone and answered
     * 200: if they do not go, this one gives way too. A rename therefore keeps the name only when
     * it has seen itself alone after its commit (never two records with one name), and concurrent
     * renames to a free name do not all lose (as they did when every rename gave way to any other
     * it saw: all commit, all see the others, all undo). Giving way puts back {@code before}
     * (name, labels, last operation) and removes the rename's operation {@code opId} when that is
     * still the record's last one, else it only puts the old name back, and answers 409.
     */
    void undoRenameIfTaken(Query sameName, T before, String opId, Function<T, String> lastOperationId,
            UnaryOperator<T> revertAll,
            UnaryOperator<T> revertName, String conflict) {
        Long deadline = null;
        while (true) {
            List<T> same = repo().list(sameName, PageRequest.first(NAME_RACE_PAGE)).items();
            T mine = same.stream().filter(r -> r.id().equals(before.id())).findFirst().orElse(null);
            boolean giveWay = mine == null || same.stream().anyMatch(r -> !r.id().equals(before.id())
                    && firstBy(r, mine));
            if (same.stream().allMatch(r -> r.id().equals(before.id()))) {
                // The usual case: the new name is this record's alone (or, renamed again meanwhile, nobody's).
                return;
            }
            if (giveWay) {
                break;
            }
            // The wait counts from the first sight of a later holder, not from a (possibly slow) first read.
            if (deadline == null) {
                deadline = System.nanoTime() + NAME_RACE_WAIT.toNanos();
            } else if (System.nanoTime() - deadline >= 0) {
                break;
            }
            try {
                Thread.sleep(NAME_RACE_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (int attempt = 1; attempt <= MAX_PATCH_ATTEMPTS; attempt++) {
            try {
                ctx.store().inTransaction(s -> {
                    Repository<T> records = s.repository(type);
                    Optional<T> fresh = records.get(before.id());
                    if (fresh.isPresent()) {
                        boolean ours = opId.equals(lastOperationId.apply(fresh.get()));
                        records.update(ours ? revertAll.apply(fresh.get()) : revertName.apply(fresh.get()));
                        if (ours) {
                            s.repository(EntityTypes.OPERATIONS).delete(opId);
                        }
                    }
                    return null;
                });
                break;
            } catch (ConcurrentModificationException e) {
                // Changed meanwhile: read it again and undo on the fresh record.
            }
        }
        throw new ConflictException(conflict);
    }

    /** Whether {@code a} comes before {@code b} in the order that decides who keeps a contested name. */
    private static boolean firstBy(Entity a, Entity b) {
        int byTime = a.createdAt().compareTo(b.createdAt());
        return byTime != 0 ? byTime < 0 : a.id().compareTo(b.id()) < 0;
    }

    /** An id the client chose, or a generated one. */
    String idFrom(ObjectNode body) {
        if (!body.has("id") || body.get("id").isNull()) {
            return ctx.newId();
        }
        String id = body.get("id").isTextual() ? body.get("id").asText() : null;
        if (id == null || !CLIENT_ID.matcher(id).matches()) {
            throw new BadRequestException("field 'id' must be 1 to 50 characters of A-Z, a-z, 0-9, '-', '.', '_' "
                    + "and '~', was " + body.get("id"));
        }
        return id;
    }

    /** PATCH must not try to change the id. */
    static void checkIdUnchanged(ObjectNode body, String id) {
        if (body.has("id") && !(body.get("id").isTextual() && body.get("id").asText().equals(id))) {
            throw new BadRequestException("field 'id' cannot be changed");
        }
    }
}
