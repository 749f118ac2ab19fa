package org.servicemanager.test.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.InvalidFieldQueryException;
import org.servicemanager.api.ExistingReferenceException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.ReferenceViolationException;
import org.servicemanager.api.UniqueViolationException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Notification;
import org.servicemanager.api.model.NotificationType;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationError;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.model.SigningKey;
import org.servicemanager.api.model.Visibility;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Criterion.FieldCriterion;
import org.servicemanager.api.query.Criterion.LabelCriterion;
import org.servicemanager.api.query.Cursor;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.Page;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.NotificationLog;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;

/**
 * The store contract test kit: what every {@link Store} must do, as tests. A store implementation
 * passes it by running a subclass that implements {@link #createStore()}, unchanged:
 *
 * <pre>{@code
 * class MyStoreContractTest extends StoreContractTest {
 *     @Override
 *     protected Store createStore() {
 *         return new MyStore(...);
 *     }
 * }
 * }</pre>
 *
 * <p>Each test gets a fresh, empty store, closed after it. The groups are the repositories (the
 * same basic behaviour for each, plus its unique keys and references), then listing and queries,
 * the paging tokens of the REST API over the store, cascades, restricting references,
 * transactions, concurrency, the change revision, the notification log and lifecycle. A persistent
 * store also implements {@link #reopenStore()}. Not thread-safe, like any test class.
 */
public abstract class StoreContractTest {
    /** The store under test; a new one for every test. */
    protected Store store;
    /** Builds entities; its clock starts anew for every test. */
    protected Fixtures fixtures;

    /** A new, empty store. It is closed after each test. */
    protected abstract Store createStore();

    /**
     * Closes {@link #store} and opens a new store over the same data, for the tests of what
     * survives a restart; {@code null} (the default) for a store that keeps nothing, whose such
     * tests are then skipped. The new store is closed after the test.
     */
    protected Store reopenStore() {
        return null;
    }

    @BeforeEach
    void openStore() {
        fixtures = new Fixtures();
        store = createStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    // ---------------------------------------------------------------- helpers

    protected Repository<Platform> platforms() {
        return store.repository(EntityTypes.PLATFORMS);
    }

    protected Repository<ServiceBroker> brokers() {
        return store.repository(EntityTypes.SERVICE_BROKERS);
    }

    protected Repository<ServiceOffering> offerings() {
        return store.repository(EntityTypes.SERVICE_OFFERINGS);
    }

    protected Repository<ServicePlan> plans() {
        return store.repository(EntityTypes.SERVICE_PLANS);
    }

    protected Repository<Visibility> visibilities() {
        return store.repository(EntityTypes.VISIBILITIES);
    }

    protected Repository<ServiceInstance> instances() {
        return store.repository(EntityTypes.SERVICE_INSTANCES);
    }

    protected Repository<ServiceBinding> bindings() {
        return store.repository(EntityTypes.SERVICE_BINDINGS);
    }

    protected Repository<Operation> operations() {
        return store.repository(EntityTypes.OPERATIONS);
    }

    /** A stored broker with one offering and one plan; returns the plan. */
    protected ServicePlan storedPlan() {
        ServiceBroker broker = brokers().create(fixtures.broker());
        ServiceOffering offering = offerings().create(fixtures.offering(broker.id()));
        return plans().create(fixtures.plan(offering.id()));
    }

    protected static FieldCriterion field(String name, Operator operator, Object... values) {
        return new FieldCriterion(name, operator, List.of(values));
    }

    protected static LabelCriterion label(String key, Operator operator, String... values) {
        return new LabelCriterion(key, operator, List.of(values));
    }

    protected static <T extends Entity> List<String> ids(List<T> entities) {
        return entities.stream().map(Entity::id).toList();
    }

    protected static <T extends Entity> List<String> ids(Page<T> page) {
        return ids(page.items());
    }

    protected static <T extends Entity> List<T> all(Repository<T> repository) {
        return repository.list(Query.all(), PageRequest.unbounded()).items();
    }

    protected static Cursor cursorOf(Entity entity) {
        return new Cursor(entity.createdAt(), entity.id());
    }

    /** The exception {@code call} throws, after checking it is a {@code type}. */
    protected static <X extends Throwable> X thrown(Class<X> type, ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(type);
        return type.cast(thrown);
    }

    // ---------------------------------------------------------------- repositories

    /**
     * What every repository does, whatever its type. A subclass says how to build a valid entity
     * and adds the tests of its type's unique keys and references.
     */
    abstract class RepositoryContract<T extends Entity> {

        abstract EntityType<T> type();

        /** A new valid entity whose references exist. */
        abstract T fresh();

        Repository<T> repository() {
            return store.repository(type());
        }

        T stored() {
            return repository().create(fresh());
        }

        @Test
        @DisplayName("the repository describes its own type")
        void repositoryType() {
            assertThat(repository().type()).isSameAs(type());
        }

        @Test
        @DisplayName("create stores the entity with version 1, whatever version it was given")
        void createStoresVersionOne() {
            T entity = type().withVersion(fresh(), 42);

            T created = repository().create(entity);

            assertThat(created).isEqualTo(type().withVersion(entity, 1));
        }

        @Test
        @DisplayName("get returns the stored entity")
        void getReturnsStored() {
            T created = stored();

            assertThat(repository().get(created.id())).contains(created);
        }

        @Test
        @DisplayName("get of an unknown id is empty")
        void getUnknown() {
            stored();

            assertThat(repository().get(Fixtures.newId())).isEmpty();
        }

        @Test
        @DisplayName("list returns every entity of the type in creation order")
        void listInCreationOrder() {
            T first = stored();
            T second = stored();
            T third = stored();

            Page<T> page = repository().list(Query.all(), PageRequest.unbounded());

            assertThat(page.items()).containsExactly(first, second, third);
            assertThat(page.totalItems()).isEqualTo(3);
            assertThat(page.hasMore()).isFalse();
        }

        @Test
        @DisplayName("count counts every entity of the type")
        void countCountsAll() {
            stored();
            stored();

            assertThat(repository().count(Query.all())).isEqualTo(2);
        }

        @Test
        @DisplayName("update replaces the entity and increments its version")
        void updateIncrementsVersion() {
            T created = stored();
            T changed = Fixtures.withLabels(created, Labels.of("changed", "yes"));

            T updated = repository().update(changed);

            assertThat(updated).isEqualTo(type().withVersion(changed, 2));
            assertThat(repository().get(created.id())).contains(updated);
        }

        @Test
        @DisplayName("an update with a stale version is rejected and changes nothing")
        void staleUpdateRejected() {
            T created = stored();
            repository().update(Fixtures.withLabels(created, Labels.of("first", "update")));
            T latest = repository().get(created.id()).orElseThrow();

            assertThatThrownBy(() -> repository().update(Fixtures.withLabels(created, Labels.of("lost", "update"))))
                    .isInstanceOf(ConcurrentModificationException.class);
            assertThat(repository().get(created.id())).contains(latest);
        }

        @Test
        @DisplayName("updating an unknown entity fails with NotFoundException")
        void updateUnknown() {
            T neverStored = fresh();

            assertThatThrownBy(() -> repository().update(neverStored)).isInstanceOf(NotFoundException.class);
            assertThat(repository().get(neverStored.id())).isEmpty();
        }

        @Test
        @DisplayName("delete removes the entity and says it existed")
        void deleteRemoves() {
            T created = stored();
            T other = stored();

            assertThat(repository().delete(created.id())).isTrue();
            assertThat(repository().get(created.id())).isEmpty();
            assertThat(all(repository())).containsExactly(other);
        }

        @Test
        @DisplayName("deleting an unknown id returns false")
        void deleteUnknown() {
            stored();

            assertThat(repository().delete(Fixtures.newId())).isFalse();
            assertThat(repository().count(Query.all())).isEqualTo(1);
        }

        @Test
        @DisplayName("creating a second entity with a taken id is rejected naming the id")
        void duplicateIdRejected() {
            T created = stored();
            T sameId = withId(fresh(), created.id());

            UniqueViolationException e = thrown(UniqueViolationException.class, () -> repository().create(sameId));

            assertThat(e.entityType()).isEqualTo(type().name());
            assertThat(e.fields()).containsExactly("id");
            assertThat(e.getMessage()).contains(type().singular(), "'" + created.id() + "'");
            assertThat(repository().get(created.id())).contains(created);
        }

        /** {@code entity} with another id; only used to provoke duplicate ids. */
        abstract T withId(T entity, String id);
    }

    @Nested
    @DisplayName("Platforms")
    class Platforms extends RepositoryContract<Platform> {
        @Override
        EntityType<Platform> type() {
            return EntityTypes.PLATFORMS;
        }

        @Override
        Platform fresh() {
            return fixtures.platform();
        }

        @Override
        Platform withId(Platform entity, String id) {
            return Fixtures.withIdAndTime(entity, id, entity.createdAt());
        }

        @Test
        @DisplayName("a second platform with a taken name is rejected naming the name")
        void takenNameRejected() {
            platforms().create(fixtures.platform("cf-eu"));

            UniqueViolationException e = thrown(UniqueViolationException.class,
                    () -> platforms().create(fixtures.platform("cf-eu")));

            assertThat(e.entityType()).isEqualTo("platforms");
            assertThat(e.fields()).containsExactly("name");
            assertThat(e.getMessage()).contains("platform", "name", "'cf-eu'", "already exists");
            assertThat(platforms().count(Query.all())).isEqualTo(1);
        }

        @Test
        @DisplayName("renaming a platform to a taken name is rejected")
        void renameToTakenNameRejected() {
            platforms().create(fixtures.platform("cf-eu"));
            Platform other = platforms().create(fixtures.platform("cf-us"));

            assertThatThrownBy(() -> platforms().update(Fixtures.renamed(other, "cf-eu")))
                    .isInstanceOf(UniqueViolationException.class);
            assertThat(platforms().get(other.id())).contains(other);
        }

        @Test
        @DisplayName("renaming a platform frees its old name")
        void renameFreesOldName() {
            Platform platform = platforms().create(fixtures.platform("cf-eu"));
            platforms().update(Fixtures.renamed(platform, "cf-us"));

            Platform again = platforms().create(fixtures.platform("cf-eu"));

            assertThat(platforms().get(again.id())).isPresent();
        }

        @Test
        @DisplayName("the name of a deleted platform can be used again")
        void deletedNameReusable() {
            Platform platform = platforms().create(fixtures.platform("cf-eu"));
            platforms().delete(platform.id());

            Platform again = platforms().create(fixtures.platform("cf-eu"));

            assertThat(all(platforms())).containsExactly(again);
        }
    }

    @Nested
    @DisplayName("Service brokers")
    class ServiceBrokers extends RepositoryContract<ServiceBroker> {
        @Override
        EntityType<ServiceBroker> type() {
            return EntityTypes.SERVICE_BROKERS;
        }

        @Override
        ServiceBroker fresh() {
            return fixtures.broker();
        }

        @Override
        ServiceBroker withId(ServiceBroker b, String id) {
            return new ServiceBroker(id, b.name(), b.description(), b.brokerUrl(), b.credentials(), b.labels(),
                    b.createdAt(), b.updatedAt(), b.ready(), b.version());
        }

        @Test
        @DisplayName("a second broker with a taken name is rejected naming the name")
        void takenNameRejected() {
            brokers().create(fixtures.broker("mysql"));

            UniqueViolationException e = thrown(UniqueViolationException.class,
                    () -> brokers().create(fixtures.broker("mysql")));

            assertThat(e.entityType()).isEqualTo("service_brokers");
            assertThat(e.fields()).containsExactly("name");
            assertThat(e.getMessage()).contains("service broker", "'mysql'", "already exists");
        }

        @Test
        @DisplayName("renaming a broker to a taken name is rejected")
        void renameToTakenNameRejected() {
            brokers().create(fixtures.broker("mysql"));
            ServiceBroker other = brokers().create(fixtures.broker("redis"));

            assertThatThrownBy(() -> brokers().update(Fixtures.renamed(other, "mysql")))
                    .isInstanceOf(UniqueViolationException.class);
            assertThat(brokers().get(other.id())).contains(other);
        }
    }

    @Nested
    @DisplayName("Service offerings")
    class ServiceOfferings extends RepositoryContract<ServiceOffering> {
        private ServiceBroker broker;

        @BeforeEach
        void storeBroker() {
            broker = brokers().create(fixtures.broker());
        }

        @Override
        EntityType<ServiceOffering> type() {
            return EntityTypes.SERVICE_OFFERINGS;
        }

        @Override
        ServiceOffering fresh() {
            return fixtures.offering(broker.id());
        }

        @Override
        ServiceOffering withId(ServiceOffering o, String id) {
            return withBroker(o, id, o.brokerId());
        }

        private ServiceOffering withBroker(ServiceOffering o, String id, String brokerId) {
            return new ServiceOffering(id, o.name(), o.description(), o.bindable(), o.instancesRetrievable(),
                    o.bindingsRetrievable(), o.planUpdateable(), o.allowContextUpdates(), o.tags(), o.requires(),
                    o.metadata(), o.catalogId(), o.catalogName(), brokerId, o.catalogJson(), o.labels(),
                    o.createdAt(), o.updatedAt(), o.ready(), o.version());
        }

        @Test
        @DisplayName("a broker cannot have two offerings with the same catalog id")
        void catalogIdUniquePerBroker() {
            offerings().create(fixtures.offering(broker.id(), "mysql-service"));

            UniqueViolationException e = thrown(UniqueViolationException.class,
                    () -> offerings().create(fixtures.offering(broker.id(), "mysql-service")));

            assertThat(e.entityType()).isEqualTo("service_offerings");
            assertThat(e.fields()).containsExactly("broker_id", "catalog_id");
            assertThat(e.getMessage()).contains("service offering", "'mysql-service'", "already exists");
        }

        @Test
        @DisplayName("two brokers may have offerings with the same catalog id")
        void sameCatalogIdOnOtherBroker() {
            ServiceBroker other = brokers().create(fixtures.broker());
            offerings().create(fixtures.offering(broker.id(), "mysql-service"));

            offerings().create(fixtures.offering(other.id(), "mysql-service"));

            assertThat(offerings().count(Query.all())).isEqualTo(2);
        }

        @Test
        @DisplayName("an offering of an unknown broker is rejected naming the broker")
        void unknownBrokerRejected() {
            String unknown = Fixtures.newId();

            assertThatThrownBy(() -> offerings().create(fixtures.offering(unknown)))
                    .isInstanceOf(ReferenceViolationException.class)
                    .hasMessageContaining("service broker")
                    .hasMessageContaining("'" + unknown + "'")
                    .hasMessageContaining("does not exist");
            assertThat(offerings().count(Query.all())).isZero();
        }

        @Test
        @DisplayName("moving an offering to an unknown broker is rejected")
        void updateToUnknownBrokerRejected() {
            ServiceOffering offering = stored();

            assertThatThrownBy(() -> offerings().update(withBroker(offering, offering.id(), Fixtures.newId())))
                    .isInstanceOf(ReferenceViolationException.class);
            assertThat(offerings().get(offering.id())).contains(offering);
        }
    }

    @Nested
    @DisplayName("Service plans")
    class ServicePlans extends RepositoryContract<ServicePlan> {
        private ServiceOffering offering;

        @BeforeEach
        void storeOffering() {
            ServiceBroker broker = brokers().create(fixtures.broker());
            offering = offerings().create(fixtures.offering(broker.id()));
        }

        @Override
        EntityType<ServicePlan> type() {
            return EntityTypes.SERVICE_PLANS;
        }

        @Override
        ServicePlan fresh() {
            return fixtures.plan(offering.id());
        }

        @Override
        ServicePlan withId(ServicePlan p, String id) {
            return withOffering(p, id, p.serviceOfferingId());
        }

        private ServicePlan withOffering(ServicePlan p, String id, String offeringId) {
            return new ServicePlan(id, p.name(), p.description(), p.catalogId(), p.catalogName(), p.free(),
                    p.bindable(), p.planUpdateable(), p.maximumPollingDuration(), p.maintenanceInfo(), p.metadata(),
                    p.schemas(), offeringId, p.catalogJson(), p.labels(), p.createdAt(), p.updatedAt(), p.ready(),
                    p.version());
        }

        @Test
        @DisplayName("an offering cannot have two plans with the same catalog id")
        void catalogIdUniquePerOffering() {
            plans().create(fixtures.plan(offering.id(), "small"));

            UniqueViolationException e = thrown(UniqueViolationException.class,
                    () -> plans().create(fixtures.plan(offering.id(), "small")));

            assertThat(e.entityType()).isEqualTo("service_plans");
            assertThat(e.fields()).containsExactly("service_offering_id", "catalog_id");
            assertThat(e.getMessage()).contains("service plan", "'small'", "already exists");
        }

        @Test
        @DisplayName("two offerings may have plans with the same catalog id")
        void sameCatalogIdInOtherOffering() {
            ServiceOffering other = offerings().create(fixtures.offering(offering.brokerId()));
            plans().create(fixtures.plan(offering.id(), "small"));

            plans().create(fixtures.plan(other.id(), "small"));

            assertThat(plans().count(Query.all())).isEqualTo(2);
        }

        @Test
        @DisplayName("a plan of an unknown offering is rejected naming the offering")
        void unknownOfferingRejected() {
            String unknown = Fixtures.newId();

            assertThatThrownBy(() -> plans().create(fixtures.plan(unknown)))
                    .isInstanceOf(ReferenceViolationException.class)
                    .hasMessageContaining("service offering")
                    .hasMessageContaining("'" + unknown + "'");
            assertThat(plans().count(Query.all())).isZero();
        }

        @Test
        @DisplayName("moving a plan to an unknown offering is rejected")
        void updateToUnknownOfferingRejected() {
            ServicePlan plan = stored();

            assertThatThrownBy(() -> plans().update(withOffering(plan, plan.id(), Fixtures.newId())))
                    .isInstanceOf(ReferenceViolationException.class);
            assertThat(plans().get(plan.id())).contains(plan);
        }
    }

    @Nested
    @DisplayName("Visibilities")
    class Visibilities extends RepositoryContract<Visibility> {
        private ServicePlan plan;

        @BeforeEach
        void storePlan() {
            plan = storedPlan();
        }

        @Override
        EntityType<Visibility> type() {
            return EntityTypes.VISIBILITIES;
        }

        /** A visibility of the plan on a new platform. */
        @Override
        Visibility fresh() {
            return fixtures.visibility(platforms().create(fixtures.platform()).id(), plan.id());
        }

        @Override
        Visibility withId(Visibility v, String id) {
            return new Visibility(id, v.platformId(), v.servicePlanId(), v.labels(), v.createdAt(), v.updatedAt(),
                    v.ready(), v.version());
        }

        @Test
        @DisplayName("a platform cannot have two visibilities of the same plan")
        void oneVisibilityPerPlatformAndPlan() {
            Visibility visibility = stored();

            UniqueViolationException e = thrown(UniqueViolationException.class,
                    () -> visibilities().create(fixtures.visibility(visibility.platformId(), plan.id())));

            assertThat(e.entityType()).isEqualTo("visibilities");
            assertThat(e.fields()).containsExactly("platform_id", "service_plan_id");
            assertThat(visibilities().count(Query.all())).isEqualTo(1);
        }

        @Test
        @DisplayName("two visibilities of the same plan for every platform collide: a missing platform is a value")
        void twoGlobalVisibilitiesCollide() {
            visibilities().create(fixtures.visibility(null, plan.id()));

            assertThatThrownBy(() -> visibilities().create(fixtures.visibility(null, plan.id())))
                    .isInstanceOf(UniqueViolationException.class);
            assertThat(visibilities().count(Query.all())).isEqualTo(1);
        }

        @Test
        @DisplayName("a plan may be visible to every platform and to one platform at the same time")
        void globalAndPlatformVisibilityCoexist() {
            Visibility global = visibilities().create(fixtures.visibility(null, plan.id()));
            Visibility specific = stored();

            assertThat(all(visibilities())).containsExactly(global, specific);
        }

        @Test
        @DisplayName("moving a visibility onto a taken platform and plan is rejected")
        void updateToTakenPairRejected() {
            Visibility first = stored();
            Visibility second = visibilities().create(fixtures.visibility(null, plan.id()));
            Visibility moved = new Visibility(second.id(), first.platformId(), plan.id(), second.labels(),
                    second.createdAt(), second.updatedAt(), second.ready(), second.version());

            assertThatThrownBy(() -> visibilities().update(moved)).isInstanceOf(UniqueViolationException.class);
            assertThat(visibilities().get(second.id())).contains(second);
        }

        @Test
        @DisplayName("a visibility of an unknown plan is rejected naming the plan")
        void unknownPlanRejected() {
            String unknown = Fixtures.newId();

            assertThatThrownBy(() -> visibilities().create(fixtures.visibility(null, unknown)))
                    .isInstanceOf(ReferenceViolationException.class)
                    .hasMessageContaining("service plan")
                    .hasMessageContaining("'" + unknown + "'")
                    .hasMessageContaining("does not exist");
        }

        @Test
        @DisplayName("a visibility for an unknown platform is rejected naming the platform")
        void unknownPlatformRejected() {
            String unknown = Fixtures.newId();

            assertThatThrownBy(() -> visibilities().create(fixtures.visibility(unknown, plan.id())))
                    .isInstanceOf(ReferenceViolationException.class)
                    .hasMessageContaining("platform")
                    .hasMessageContaining("'" + unknown + "'");
            assertThat(visibilities().count(Query.all())).isZero();
        }
    }

    @Nested
    @DisplayName("Service instances")
    class ServiceInstances extends RepositoryContract<ServiceInstance> {
        private Platform platform;
        private ServicePlan plan;

        @BeforeEach
        void storeParents() {
            platform = platforms().create(fixtures.platform());
            plan = storedPlan();
        }

        @Override
        EntityType<ServiceInstance> type() {
            return EntityTypes.SERVICE_INSTANCES;
        }

        @Override
        ServiceInstance fresh() {
            return fixtures.instance(plan.id(), platform.id());
        }

        @Override
        ServiceInstance withId(ServiceInstance i, String id) {
            return new ServiceInstance(id, i.name(), i.servicePlanId(), i.platformId(), i.context(), i.dashboardUrl(),
                    i.maintenanceInfo(), i.usable(), i.lastOperation(), i.pendingPlanId(), i.pendingContext(), i.labels(), i.createdAt(),
                    i.updatedAt(), i.ready(), i.version());
        }

        /** {@code i} with another plan and platform; everything else, the version too, stays. */
        private ServiceInstance movedTo(ServiceInstance i, String planId, String platformId) {
            return new ServiceInstance(i.id(), i.name(), planId, platformId, i.context(), i.dashboardUrl(), i.maintenanceInfo(), i.usable(),
                    i.lastOperation(), i.pendingPlanId(), i.pendingContext(), i.labels(), i.createdAt(),
                    i.updatedAt(), i.ready(), i.version());
        }

        @Test
        @DisplayName("an update in progress comes back with its operation, context, dashboard and pending values")
        void everyComponentKept() {
            ServiceInstance created = stored();
            ServicePlan target = plans().create(fixtures.plan(plan.serviceOfferingId()));
            ServiceInstance updating = new ServiceInstance(created.id(), "renamed", plan.id(), platform.id(),
                    "{\"a\":1}", "https://dashboard.example.com/x?y=1", "{\"version\":\"1.2.3\"}", false,
                    new LastOperation(OperationType.UPDATE, OperationState.IN_PROGRESS, "op-2", "half way", "op-id-2"), target.id(),
                    "{\"b\":2}", Labels.of("env", "prod"), created.createdAt(), created.updatedAt().plusSeconds(1), false,
                    created.version());

            ServiceInstance updated = instances().update(updating);

            assertThat(updated).isEqualTo(EntityTypes.SERVICE_INSTANCES.withVersion(updating, 2));
            assertThat(instances().get(created.id())).contains(updated);
        }

        @Test
        @DisplayName("a failed operation comes back with its description, and null values stay null")
        void failedOperationKept() {
            ServiceInstance template = fresh();
            ServiceInstance failed = new ServiceInstance(template.id(), null, plan.id(), platform.id(), null, null,
                    null, false, new LastOperation(OperationType.CREATE, OperationState.FAILED, null, "quota exceeded",
                    null), null,
                    null, Labels.empty(), template.createdAt(), template.updatedAt(), false, 0);

            ServiceInstance created = instances().create(failed);

            assertThat(instances().get(created.id())).contains(created);
            assertThat(created.lastOperation().description()).isEqualTo("quota exceeded");
        }

        @Test
        @DisplayName("an instance created with maintenance info and its operation's id comes back with them")
        void maintenanceInfoAndOperationIdKept() {
            ServiceInstance template = fresh();
            ServiceInstance provisioning = template.withMaintenanceInfo("{\"version\":\"2.0.0\",\"description\":\"ä\"}")
                    .withOperation(LastOperation.inProgress(OperationType.CREATE, "op-1").withOperationId("op-id-1"),
                            template.updatedAt());

            ServiceInstance created = instances().create(provisioning);

            assertThat(instances().get(created.id())).contains(created);
            assertThat(created.maintenanceInfo()).isEqualTo(provisioning.maintenanceInfo());
            assertThat(created.lastOperation().operationId()).isEqualTo("op-id-1");
        }

        @Test
        @DisplayName("two instances may have the same name")
        void namesMayRepeat() {
            ServiceInstance first = instances().create(fixtures.instance(plan.id(), platform.id()));
            ServiceInstance template = fresh();
            ServiceInstance second = instances().create(new ServiceInstance(template.id(), first.name(),
                    template.servicePlanId(), template.platformId(), template.context(), template.dashboardUrl(),
                    template.maintenanceInfo(), template.usable(), template.lastOperation(), null, null, template.labels(), template.createdAt(),
                    template.updatedAt(), template.ready(), 0));

            assertThat(all(instances())).containsExactly(first, second);
        }

        @Test
        @DisplayName("an instance of an unknown plan is rejected naming the plan")
        void unknownPlanRejected() {
            String unknown = Fixtures.newId();

            assertThatThrownBy(() -> instances().create(fixtures.instance(unknown, platform.id())))
                    .isInstanceOf(ReferenceViolationException.class)
                    .hasMessage("service plan '" + unknown + "' does not exist");
            assertThat(instances().count(Query.all())).isZero();
        }

        @Test
        @DisplayName("an instance of an unknown platform is rejected naming the platform")
        void unknownPlatformRejected() {
            String unknown = Fixtures.newId();

            assertThatThrownBy(() -> instances().create(fixtures.instance(plan.id(), unknown)))
                    .isInstanceOf(ReferenceViolationException.class)
                    .hasMessage("platform '" + unknown + "' does not exist");
            assertThat(instances().count(Query.all())).isZero();
        }

        @Test
        @DisplayName("an instance may move to another existing plan")
        void moveToOtherPlan() {
            ServiceInstance instance = stored();
            ServicePlan other = storedPlan();

            ServiceInstance moved = instances().update(movedTo(instance, other.id(), platform.id()));

            assertThat(moved.servicePlanId()).isEqualTo(other.id());
            assertThat(instances().get(instance.id())).contains(moved);
        }

        @Test
        @DisplayName("moving an instance to an unknown plan or platform is rejected and changes nothing")
        void moveToUnknownRejected() {
            ServiceInstance instance = stored();

            assertThatThrownBy(() -> instances().update(movedTo(instance, Fixtures.newId(), platform.id())))
                    .isInstanceOf(ReferenceViolationException.class).hasMessageContaining("service plan");
            assertThatThrownBy(() -> instances().update(movedTo(instance, plan.id(), Fixtures.newId())))
                    .isInstanceOf(ReferenceViolationException.class).hasMessageContaining("platform");
            assertThat(instances().get(instance.id())).contains(instance);
        }

        @Test
        @DisplayName("instances can be found by plan, platform, name, usability and label")
        void queries() {
            Platform otherPlatform = platforms().create(fixtures.platform());
            ServicePlan otherPlan = storedPlan();
            ServiceInstance mine = instances().create(Fixtures.withLabels(fresh(), Labels.of("env", "prod")));
            ServiceInstance elsewhere = instances().create(fixtures.instance(plan.id(), otherPlatform.id()));
            ServiceInstance otherPlanned = instances().create(fixtures.instance(otherPlan.id(), platform.id()));

            assertThat(ids(instances().list(Query.of(field("platform_id", Operator.EQ, platform.id())),
                    PageRequest.unbounded()))).containsExactly(mine.id(), otherPlanned.id());
            assertThat(ids(instances().list(Query.of(field("service_plan_id", Operator.EQ, plan.id())),
                    PageRequest.unbounded()))).containsExactly(mine.id(), elsewhere.id());
            assertThat(ids(instances().list(Query.of(field("name", Operator.EQ, elsewhere.name())),
                    PageRequest.unbounded()))).containsExactly(elsewhere.id());
            assertThat(instances().count(Query.of(field("usable", Operator.EQ, true)))).isEqualTo(3);
            assertThat(ids(instances().list(Query.of(label("env", Operator.EQ, "prod")), PageRequest.unbounded())))
                    .containsExactly(mine.id());
        }

        @Test
        @DisplayName("a shared instance and a reference come back as stored, and are found by shared and referenced_instance_id")
        void sharingKept() {
            ServiceInstance shared = instances().create(fresh().withShared(true, fixtures.tick()));
            ServiceInstance reference = instances().create(fresh().withReferencedInstanceId(shared.id()));
            ServiceInstance plain = stored();

            assertThat(instances().get(shared.id())).contains(shared);
            assertThat(instances().get(reference.id())).contains(reference);
            assertThat(shared.shared()).isTrue();
            assertThat(reference.referencedInstanceId()).isEqualTo(shared.id());
            assertThat(ids(instances().list(Query.of(field("referenced_instance_id", Operator.EQ, shared.id())),
                    PageRequest.unbounded()))).containsExactly(reference.id());
            assertThat(ids(instances().list(Query.of(field("shared", Operator.EQ, true)), PageRequest.unbounded())))
                    .containsExactly(shared.id());
            assertThat(instances().get(plain.id()).orElseThrow().referencedInstanceId()).isNull();
        }

        @Test
        @DisplayName("unsharing an instance is stored like any update")
        void unshareKept() {
            ServiceInstance shared = instances().create(fresh().withShared(true, fixtures.tick()));

            ServiceInstance unshared = instances().update(shared.withShared(false, fixtures.tick()));

            assertThat(instances().get(shared.id())).contains(unshared);
            assertThat(unshared.shared()).isFalse();
        }
    }

    @Nested
    @DisplayName("Service bindings")
    class ServiceBindings extends RepositoryContract<ServiceBinding> {
        private Platform platform;
        private ServiceInstance instance;

        @BeforeEach
        void storeParents() {
            platform = platforms().create(fixtures.platform());
            instance = instances().create(fixtures.instance(storedPlan().id(), platform.id()));
        }

        @Override
        EntityType<ServiceBinding> type() {
            return EntityTypes.SERVICE_BINDINGS;
        }

        @Override
        ServiceBinding fresh() {
            return fixtures.binding(instance.id(), platform.id());
        }

        @Override
        ServiceBinding withId(ServiceBinding b, String id) {
            return movedTo(b, id, b.serviceInstanceId(), b.platformId());
        }

        private ServiceBinding movedTo(ServiceBinding b, String id, String instanceId, String platformId) {
            return new ServiceBinding(id, b.name(), instanceId, platformId, b.context(), b.bindResource(),
                    b.credentials(), b.lastOperation(), b.labels(), b.createdAt(), b.updatedAt(), b.ready(), b.version());
        }

        @Test
        @DisplayName("a binding in progress comes back with its operation, context and bind resource")
        void everyComponentKept() {
            ServiceBinding created = stored();
            ServiceBinding updating = new ServiceBinding(created.id(), "renamed", instance.id(), platform.id(),
                    "{\"a\":1}", "{\"app_guid\":\"app-1\"}", "sealed-credentials",
                    new LastOperation(OperationType.DELETE, OperationState.IN_PROGRESS, "op-9", "unbinding", "op-id-9"),
                    Labels.of("team", "a", "b"), created.createdAt(), created.updatedAt().plusSeconds(1), false,
                    created.version());

            ServiceBinding updated = bindings().update(updating);

            assertThat(updated).isEqualTo(EntityTypes.SERVICE_BINDINGS.withVersion(updating, 2));
            assertThat(bindings().get(created.id())).contains(updated);
        }

        @Test
        @DisplayName("a binding created with sealed credentials and its operation's id comes back with them")
        void credentialsAndOperationIdKept() {
            ServiceBinding template = fresh();
            ServiceBinding bound = new ServiceBinding(template.id(), template.name(), instance.id(), platform.id(),
                    template.context(), null, "v1:c2VhbGVk\u00e4:\"quoted\"",
                    LastOperation.succeeded(OperationType.CREATE).withOperationId("op-id-1"), Labels.empty(),
                    template.createdAt(), template.updatedAt(), true, 0);

            ServiceBinding created = bindings().create(bound);

            assertThat(bindings().get(created.id())).contains(created);
            assertThat(created.credentials()).isEqualTo(bound.credentials());
            assertThat(created.lastOperation().operationId()).isEqualTo("op-id-1");
        }

        @Test
        @DisplayName("a binding without credentials or an operation id comes back with neither")
        void noCredentialsKept() {
            ServiceBinding created = stored();

            ServiceBinding read = bindings().get(created.id()).orElseThrow();

            assertThat(read.credentials()).isNull();
            assertThat(read.lastOperation().operationId()).isNull();
        }

        @Test
        @DisplayName("a binding of an unknown instance is rejected naming the instance")
        void unknownInstanceRejected() {
            String unknown = Fixtures.newId();

            assertThatThrownBy(() -> bindings().create(fixtures.binding(unknown, platform.id())))
                    .isInstanceOf(ReferenceViolationException.class)
                    .hasMessage("service instance '" + unknown + "' does not exist");
            assertThat(bindings().count(Query.all())).isZero();
        }

        @Test
        @DisplayName("a binding of an unknown platform is rejected naming the platform")
        void unknownPlatformRejected() {
            String unknown = Fixtures.newId();

            assertThatThrownBy(() -> bindings().create(fixtures.binding(instance.id(), unknown)))
                    .isInstanceOf(ReferenceViolationException.class)
                    .hasMessage("platform '" + unknown + "' does not exist");
            assertThat(bindings().count(Query.all())).isZero();
        }

        @Test
        @DisplayName("moving a binding to an unknown instance is rejected and changes nothing")
        void moveToUnknownInstanceRejected() {
            ServiceBinding binding = stored();

            assertThatThrownBy(() -> bindings().update(movedTo(binding, binding.id(), Fixtures.newId(),
                    platform.id()))).isInstanceOf(ReferenceViolationException.class);
            assertThat(bindings().get(binding.id())).contains(binding);
        }

        @Test
        @DisplayName("bindings can be found by instance, platform and label")
        void queries() {
            ServiceInstance other = instances().create(fixtures.instance(instance.servicePlanId(), platform.id()));
            ServiceBinding first = bindings().create(Fixtures.withLabels(fresh(), Labels.of("app", "shop")));
            ServiceBinding second = stored();
            ServiceBinding ofOther = bindings().create(fixtures.binding(other.id(), platform.id()));

            assertThat(ids(bindings().list(Query.of(field("service_instance_id", Operator.EQ, instance.id())),
                    PageRequest.unbounded()))).containsExactly(first.id(), second.id());
            assertThat(bindings().count(Query.of(field("platform_id", Operator.EQ, platform.id())))).isEqualTo(3);
            assertThat(ids(bindings().list(Query.of(label("app", Operator.EQ, "shop")), PageRequest.unbounded())))
                    .containsExactly(first.id());
            assertThat(ids(bindings().list(Query.of(field("service_instance_id", Operator.NE, instance.id())),
                    PageRequest.unbounded()))).containsExactly(ofOther.id());
        }
    }

    @Nested
    @DisplayName("Operations")
    class Operations extends RepositoryContract<Operation> {
        /** The moment the scheduler's queries below look from. */
        private final Instant now = Instant.parse("2025-06-01T12:00:00.123456Z");

        @Override
        EntityType<Operation> type() {
            return EntityTypes.OPERATIONS;
        }

        @Override
        Operation fresh() {
            return fixtures.operation(Fixtures.newId());
        }

        @Override
        Operation withId(Operation o, String id) {
            return new Operation(id, o.type(), o.state(), o.resourceId(), o.resourceType(), o.platformId(),
                    o.correlationId(), o.description(), o.errors(), o.deletionScheduled(), o.parentId(),
                    o.cascadeRootId(), o.step(), o.nextAttemptAt(), o.leaseOwner(), o.leaseUntil(),
                    o.brokerOperation(), o.pollUntil(), o.attempts(), o.details(), o.labels(), o.createdAt(),
                    o.updatedAt(), o.ready(), o.version());
        }

        /** A stored operation due at {@code nextAttemptAt}, leased until {@code leaseUntil}. */
        private Operation storedDue(Instant nextAttemptAt, Instant leaseUntil) {
            return operations().create(Fixtures.scheduled(fresh(), nextAttemptAt, leaseUntil));
        }

        /** A stored operation in {@code state}, last updated at {@code updatedAt}. */
        private Operation storedIn(OperationState state, Instant updatedAt) {
            Operation operation = fresh();
            return operations().create(operation.withState(state, null, List.of(), updatedAt));
        }

        private List<String> idsOf(Criterion... criteria) {
            return ids(operations().list(Query.of(criteria), PageRequest.unbounded()));
        }

        @Test
        @DisplayName("every field comes back exactly: errors in order, unicode, and times to the microsecond")
        void everyFieldKept() {
            Instant created = Instant.parse("2025-03-04T05:06:07.123456Z");
            Operation full = new Operation(Fixtures.newId(), OperationType.DELETE, OperationState.FAILED,
                    Fixtures.newId(), Operation.SERVICE_BINDINGS, "platform-1", "correlation-1",
                    "the broker said \"no\"\nand more: äöü ✓",
                    List.of(new OperationError("BrokerError", "service broker 'b' answered HTTP 500"),
                            new OperationError("Interrupted", "quotes \" backslash \\ tab \t ctrl \u0001 snow ☃")),
                    created.plusNanos(1_000), "parent-1", "root-1", Operation.Step.MITIGATE_POLL,
                    created.plusSeconds(10).plusNanos(999_000), "node-1", created.plusSeconds(70).plusNanos(7_000),
                    "broker-op ☃ \"x\"", created.plus(java.time.Duration.ofHours(24)).plusNanos(42_000), 7,
                    "{\"plan_id\":\"p\",\"name\":\"n\"}", Labels.empty(), created, created.plusNanos(5_000), false,
                    0);

            Operation stored = operations().create(full);

            assertThat(stored).isEqualTo(full.withVersion(1));
            assertThat(operations().get(full.id())).contains(stored);
        }

        @Test
        @DisplayName("null fields and an empty error list come back as they were, and an unleased lease at the epoch")
        void nullsKept() {
            Operation template = fresh();
            Operation bare = new Operation(template.id(), OperationType.UPDATE, OperationState.IN_PROGRESS,
                    template.resourceId(), Operation.PLATFORMS, Platform.SERVICE_MANAGER_ID, null, null, List.of(),
                    null, null, null, Operation.Step.DONE, null, null, Instant.EPOCH, null, null, 0, null,
                    Labels.empty(), template.createdAt(), template.updatedAt(), true, 0);

            Operation stored = operations().create(bare);

            assertThat(operations().get(bare.id())).contains(stored);
            assertThat(stored.errors()).isEmpty();
            assertThat(stored.leaseUntil()).isEqualTo(Instant.EPOCH);
        }

        @Test
        @DisplayName("every step comes back as it was")
        void everyStepKept() {
            for (Operation.Step step : Operation.Step.values()) {
                Operation operation = fresh();
                Operation stored = operations().create(operation.withStep(step, operation.nextAttemptAt(), 1,
                        operation.updatedAt()));

                assertThat(operations().get(stored.id()).orElseThrow().step()).isEqualTo(step);
            }
        }

        @Test
        @DisplayName("an update through every named change comes back exactly")
        void namedChangesKept() {
            Operation stored = stored();
            Instant later = stored.updatedAt().plusSeconds(3);

            Operation changed = operations().update(stored
                    .withState(OperationState.FAILED, "gone wrong",
                            List.of(new OperationError("OperationTimeout", "polled too long")), later)
                    .withStep(Operation.Step.MITIGATE, later, 2, later)
                    .withLease("node-2", later.plusSeconds(60))
                    .withPolling("op-7", later.plusSeconds(3600))
                    .withDeletionScheduled(later)
                    .withCascade("parent-2", "root-2")
                    .withDetails("{\"maintenance_info\":{\"version\":\"2\"}}"));

            assertThat(changed.version()).isEqualTo(2);
            assertThat(operations().get(stored.id())).contains(changed);
        }

        @Test
        @DisplayName("of two lease claims from the same read, exactly one wins and the other is told it lost")
        void oneLeaseClaimWins() throws Exception {
            for (int round = 0; round < 10; round++) {
                Operation read = storedDue(now.minusSeconds(1), Instant.EPOCH);
                List<Object> outcomes = new ArrayList<>();
                ExecutorService pool = Executors.newFixedThreadPool(2);
                try {
                    CountDownLatch start = new CountDownLatch(1);
                    List<Future<Object>> claims = new ArrayList<>();
                    for (String node : List.of("node-a", "node-b")) {
                        claims.add(pool.submit(() -> {
                            start.await();
                            try {
                                return operations().update(read.withLease(node, now.plusSeconds(60)));
                            } catch (ConcurrentModificationException lost) {
                                return lost;
                            }
                        }));
                    }
                    start.countDown();
                    for (Future<Object> claim : claims) {
                        outcomes.add(claim.get(30, TimeUnit.SECONDS));
                    }
                } finally {
                    pool.shutdownNow();
                }

                assertThat(outcomes).filteredOn(ConcurrentModificationException.class::isInstance).hasSize(1);
                Operation winner = (Operation) outcomes.stream().filter(Operation.class::isInstance).findFirst()
                        .orElseThrow();
                assertThat(operations().get(read.id())).contains(winner);
                assertThat(winner.version()).isEqualTo(2);
            }
        }

        @Test
        @DisplayName("a claim from a read older than another node's claim is rejected and changes nothing")
        void staleClaimRejected() {
            Operation read = storedDue(now.minusSeconds(1), Instant.EPOCH);
            Operation claimed = operations().update(read.withLease("node-a", now.plusSeconds(60)));

            assertThatThrownBy(() -> operations().update(read.withLease("node-b", now.plusSeconds(60))))
                    .isInstanceOf(ConcurrentModificationException.class);
            assertThat(operations().get(read.id())).contains(claimed);
        }

        @Test
        @DisplayName("the scheduler's scan finds the due, unleased operations in creation order, never a null time")
        void dueOperations() {
            Operation overdue = storedDue(now.minusSeconds(10), Instant.EPOCH);
            Operation leasedLater = storedDue(now.minusSeconds(5), now.plusSeconds(60));
            Operation dueNow = storedDue(now, now.minusSeconds(1));
            storedDue(now.plusNanos(1_000), Instant.EPOCH);
            storedDue(null, Instant.EPOCH);
            storedDue(now.minusSeconds(5), now);
            Operation dueLeaseJustOver = storedDue(now.minusSeconds(20), now.minusNanos(1_000));

            List<String> due = idsOf(field("next_attempt_at", Operator.LE, now), field("lease_until", Operator.LT, now));

            assertThat(due).containsExactly(overdue.id(), dueNow.id(), dueLeaseJustOver.id())
                    .doesNotContain(leasedLater.id());
        }

        @Test
        @DisplayName("the scheduler's scan is paged in creation order with totalItems counting every due operation")
        void dueOperationsPaged() {
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                expected.add(storedDue(now.minusSeconds(10 + i * 7L % 5), Instant.EPOCH).id());
                storedDue(null, Instant.EPOCH);
            }
            Query due = Query.of(field("next_attempt_at", Operator.LE, now), field("lease_until", Operator.LT, now));

            Page<Operation> first = operations().list(due, PageRequest.first(2));
            Page<Operation> second = operations().list(due, new PageRequest(2, cursorOf(first.items().get(1))));
            Page<Operation> third = operations().list(due, new PageRequest(2, cursorOf(second.items().get(1))));

            assertThat(first.totalItems()).isEqualTo(5);
            assertThat(first.hasMore()).isTrue();
            assertThat(third.hasMore()).isFalse();
            List<String> visited = new ArrayList<>(ids(first));
            visited.addAll(ids(second));
            visited.addAll(ids(third));
            assertThat(visited).isEqualTo(expected);
        }

        @Test
        @DisplayName("ordered operators on next_attempt_at and deletion_scheduled never match null, however wide the bound")
        void nullTimesNeverOrdered() {
            Operation scheduled = operations().create(fresh().withDeletionScheduled(now));
            Operation finished = storedDue(null, Instant.EPOCH);

            assertThat(idsOf(field("next_attempt_at", Operator.LT, Instant.MAX))).containsExactly(scheduled.id());
            assertThat(idsOf(field("next_attempt_at", Operator.GE, Instant.MIN))).containsExactly(scheduled.id());
            assertThat(idsOf(field("deletion_scheduled", Operator.LE, Instant.MAX))).containsExactly(scheduled.id());
            assertThat(idsOf(field("deletion_scheduled", Operator.GT, Instant.MIN))).containsExactly(scheduled.id());
            assertThat(idsOf(field("deletion_scheduled", Operator.EN, now)))
                    .containsExactly(scheduled.id(), finished.id());
        }

        @Test
        @DisplayName("operations are found by resource, platform, parent and cascade root")
        void byResourceAndTree() {
            String instanceId = Fixtures.newId();
            Operation create = operations().create(fixtures.operation(instanceId));
            Operation other = stored();
            Operation root = stored();
            Operation child = operations().create(fixtures.operation(instanceId).withCascade(root.id(), root.id()));

            assertThat(idsOf(field("resource_id", Operator.EQ, instanceId))).containsExactly(create.id(), child.id());
            assertThat(idsOf(field("parent_id", Operator.EQ, root.id()))).containsExactly(child.id());
            assertThat(idsOf(field("cascade_root_id", Operator.EQ, root.id()))).containsExactly(child.id());
            assertThat(operations().count(Query.of(field("platform_id", Operator.EQ, Platform.SERVICE_MANAGER_ID))))
                    .isEqualTo(4);
            assertThat(idsOf(field("resource_id", Operator.NE, instanceId))).containsExactly(other.id(), root.id());
        }

        @Test
        @DisplayName("type and state are queried in their wire forms")
        void wireForms() {
            Operation creating = stored();
            Operation failed = storedIn(OperationState.FAILED, now);
            Operation deleting = operations().create(new Operation(Fixtures.newId(), OperationType.DELETE,
                    OperationState.SUCCEEDED, Fixtures.newId(), Operation.SERVICE_INSTANCES, "platform-1", null, null,
                    List.of(), null, null, null, Operation.Step.DONE, null, null, Instant.EPOCH, null, null, 0, null,
                    Labels.empty(), fixtures.tick(), now, true, 0));

            assertThat(idsOf(field("state", Operator.EQ, "in progress"))).containsExactly(creating.id());
            assertThat(idsOf(field("state", Operator.NE, "in progress"))).containsExactly(failed.id(), deleting.id());
            assertThat(idsOf(field("type", Operator.IN, "create", "update"))).containsExactly(creating.id(),
                    failed.id());
            assertThat(idsOf(field("type", Operator.EQ, "delete"), field("state", Operator.EQ, "succeeded")))
                    .containsExactly(deleting.id());
            assertThat(idsOf(field("state", Operator.EQ, "IN_PROGRESS"))).isEmpty();
            assertThat(idsOf(field("step", Operator.EQ, "DONE"))).containsExactly(deleting.id());
        }

        @Test
        @DisplayName("the retention deletes the finished operations last updated before the cutoff, never one in progress")
        void retention() {
            Instant cutoff = now.minus(java.time.Duration.ofDays(7));
            storedIn(OperationState.SUCCEEDED, cutoff.minusSeconds(1));
            storedIn(OperationState.FAILED, cutoff.minus(java.time.Duration.ofDays(30)));
            Operation oldInProgress = storedIn(OperationState.IN_PROGRESS, cutoff.minusSeconds(1));
            Operation atCutoff = storedIn(OperationState.SUCCEEDED, cutoff);
            Operation recent = storedIn(OperationState.FAILED, now);

            int removed = operations().deleteAll(Query.of(field("state", Operator.NE, "in progress"),
                    field("updated_at", Operator.LT, cutoff)));

            assertThat(removed).isEqualTo(2);
            assertThat(ids(all(operations()))).containsExactly(oldInProgress.id(), atCutoff.id(), recent.id());
        }

        @Test
        @DisplayName("an operation refers to nothing: it is stored for an unknown resource, and deleting its instance leaves it")
        void outlivesResources() {
            Platform platform = platforms().create(fixtures.platform());
            ServiceInstance instance = instances().create(fixtures.instance(storedPlan().id(), platform.id()));
            ServiceBinding binding = bindings().create(fixtures.binding(instance.id(), platform.id()));
            Operation ofInstance = operations().create(fixtures.operation(instance.id()));
            Operation ofBinding = operations().create(fixtures.operation(binding.id()));
            Operation ofNothing = stored();

            instances().delete(instance.id());
            platforms().delete(platform.id());

            assertThat(all(operations())).containsExactly(ofInstance, ofBinding, ofNothing);
        }

        @Test
        @DisplayName("writing operations leaves the change revision as it is")
        void changeRevisionKept() {
            long before = store.changeRevision();

            Operation created = stored();
            operations().update(created.withLease("node-1", now));
            operations().deleteAll(Query.of(field("id", Operator.EQ, created.id())));

            assertThat(store.changeRevision()).isEqualTo(before);
        }
    }

    @Nested
    @DisplayName("Signing keys")
    class SigningKeys extends RepositoryContract<SigningKey> {
        /**
         * The query model has no "is null": {@code en} (equal or null) with an instant no key is
         * ever retired at says it. SQL stores cannot even hold {@link Instant#MAX}.
         */
        private final Criterion active = field("retired_at", Operator.EN, Instant.MAX);

        @Override
        EntityType<SigningKey> type() {
            return EntityTypes.SIGNING_KEYS;
        }

        @Override
        SigningKey fresh() {
            return fixtures.signingKey();
        }

        @Override
        SigningKey withId(SigningKey k, String id) {
            return new SigningKey(id, k.algorithm(), k.publicJwk(), k.sealedPrivateJwk(), k.retiredAt(), k.labels(),
                    k.createdAt(), k.updatedAt(), k.ready(), k.version());
        }

        private Repository<SigningKey> keys() {
            return store.repository(EntityTypes.SIGNING_KEYS);
        }

        private List<String> idsOf(Criterion... criteria) {
            return ids(keys().list(Query.of(criteria), PageRequest.unbounded()));
        }

        @Test
        @DisplayName("every field comes back exactly: the sealed private key unchanged to the last character")
        void everyFieldKept() {
            SigningKey template = fresh();
            String sealed = "v1:" + "AbC+/=_-".repeat(600) + " \"quoted\" \\ \n tab\t äöü ✓";
            Instant retired = template.createdAt().plusSeconds(3600).plusNanos(123_000);
            SigningKey full = new SigningKey(template.id(), "ES256",
                    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"}", sealed,
                    retired, Labels.of("origin", "rotation"), template.createdAt(), retired, false, 0);

            SigningKey stored = keys().create(full);

            assertThat(stored).isEqualTo(full.withVersion(1));
            SigningKey read = keys().get(full.id()).orElseThrow();
            assertThat(read).isEqualTo(stored);
            assertThat(read.sealedPrivateJwk()).isEqualTo(sealed);
        }

        @Test
        @DisplayName("retiring a key stores when it stopped signing and increments its version")
        void retire() {
            SigningKey key = stored();
            Instant at = key.createdAt().plusSeconds(86_400).plusNanos(5_000);

            SigningKey retired = keys().update(key.retired(at));

            assertThat(retired.retiredAt()).isEqualTo(at);
            assertThat(retired.updatedAt()).isEqualTo(at);
            assertThat(retired.version()).isEqualTo(2);
            assertThat(retired.sealedPrivateJwk()).isEqualTo(key.sealedPrivateJwk());
            assertThat(keys().get(key.id())).contains(retired);
        }

        @Test
        @DisplayName("a retire from a stale read (another node retired the key first) is rejected")
        void staleRetireRejected() {
            SigningKey read = stored();
            Instant at = read.createdAt().plusSeconds(60);
            SigningKey first = keys().update(read.retired(at));

            assertThatThrownBy(() -> keys().update(read.retired(at.plusSeconds(1))))
                    .isInstanceOf(ConcurrentModificationException.class);
            assertThat(keys().get(read.id())).contains(first);
        }

        @Test
        @DisplayName("the active keys are found as those whose retired_at is null (retired_at en a never-used instant)")
        void activeKeys() {
            SigningKey old = stored();
            SigningKey current = stored();
            keys().update(old.retired(current.createdAt()));

            assertThat(idsOf(active)).containsExactly(current.id());
            assertThat(keys().count(Query.of(active))).isEqualTo(1);
            assertThat(idsOf(field("retired_at", Operator.NE, Instant.MAX))).containsExactly(old.id(), current.id());
        }

        @Test
        @DisplayName("keys retired before a cutoff are found and deleted; active keys and later ones stay")
        void retiredBeforeCutoff() {
            SigningKey longAgo = stored();
            SigningKey recently = stored();
            SigningKey signing = stored();
            Instant cutoff = signing.createdAt().plusSeconds(900);
            keys().update(longAgo.retired(cutoff.minusSeconds(1)));
            SigningKey recent = keys().update(recently.retired(cutoff));

            assertThat(idsOf(field("retired_at", Operator.LT, cutoff))).containsExactly(longAgo.id());
            int removed = keys().deleteAll(Query.of(field("retired_at", Operator.LT, cutoff)));

            assertThat(removed).isEqualTo(1);
            assertThat(all(keys())).containsExactly(recent, signing);
        }

        @Test
        @DisplayName("keys are found by algorithm")
        void byAlgorithm() {
            SigningKey rsa = stored();
            SigningKey template = fresh();
            SigningKey ec = keys().create(new SigningKey(template.id(), "ES256", template.publicJwk(),
                    template.sealedPrivateJwk(), null, Labels.empty(), template.createdAt(), template.updatedAt(),
                    true, 0));

            assertThat(idsOf(field("algorithm", Operator.EQ, "RS256"))).containsExactly(rsa.id());
            assertThat(idsOf(field("algorithm", Operator.EQ, "ES256"), active)).containsExactly(ec.id());
        }

        @Test
        @DisplayName("private and public key texts are no query fields")
        void keysNotQueryable() {
            stored();

            assertThatThrownBy(() -> idsOf(field("sealed_private_jwk", Operator.EQ, "x")))
                    .isInstanceOf(InvalidFieldQueryException.class);
            assertThatThrownBy(() -> idsOf(field("public_jwk", Operator.EQ, "x")))
                    .isInstanceOf(InvalidFieldQueryException.class);
        }

        @Test
        @DisplayName("writing signing keys leaves the change revision and the notification log as they are")
        void revisionAndNotificationsKept() {
            long revision = store.changeRevision();
            long notifications = store.notifications().newestRevision();

            SigningKey key = stored();
            keys().update(key.retired(key.createdAt().plusSeconds(1)));
            keys().delete(key.id());

            assertThat(store.changeRevision()).isEqualTo(revision);
            assertThat(store.notifications().newestRevision()).isEqualTo(notifications);
        }

        @Test
        @DisplayName("signing keys survive a restart of the store, so every node and the next start sign alike")
        void surviveRestart() {
            SigningKey key = stored();
            Store reopened = reopenStore();
            assumeTrue(reopened != null, "the store keeps nothing across a close");
            store = reopened;

            assertThat(keys().get(key.id())).contains(key);
        }
    }

    // ---------------------------------------------------------------- listing and queries

    /**
     * Instants after any creation time a store will see, up to the last one Java has: far beyond
     * what SQL databases can hold (PostgreSQL stops in the year 294276).
     */
    private static final List<Instant> FAR_INSTANTS_AFTER = List.of(Instant.parse("+10000-01-01T00:00:00Z"),
            Instant.parse("+300000-01-01T00:00:00Z"), Instant.MAX);
    /** Instants before any creation time a store will see, down to the first one Java has. */
    private static final List<Instant> FAR_INSTANTS_BEFORE = List.of(Instant.parse("-0001-01-01T00:00:00Z"),
            Instant.parse("-300000-01-01T00:00:00Z"), Instant.MIN);

    @Nested
    @DisplayName("Listing and queries")
    class ListingAndQueries {
        private ServiceOffering offering;
        /** alpha: described, free, bindable, polls 10; env=dev, tier=gold. */
        private ServicePlan alpha;
        /** beta: no description, not free, bindable unset, polling unset; env=prod,dev. */
        private ServicePlan beta;
        /** gamma: described, not free, not bindable, polls 30; no labels. */
        private ServicePlan gamma;
        /** delta: described with "alphabet", free, bindable unset, polls 20; env=prod, tier=silver. */
        private ServicePlan delta;

        @BeforeEach
        void storePlans() {
            ServiceBroker broker = brokers().create(fixtures.broker());
            offering = offerings().create(fixtures.offering(broker.id()));
            alpha = storePlan("alpha", "first plan", true, true, 10,
                    Map.of("env", List.of("dev"), "tier", List.of("gold")));
            beta = storePlan("beta", null, false, null, null, Map.of("env", List.of("prod", "dev")));
            gamma = storePlan("gamma", "third plan", false, false, 30, Map.of());
            delta = storePlan("delta", "alphabet soup", true, null, 20,
                    Map.of("env", List.of("prod"), "tier", List.of("silver")));
        }

        private ServicePlan storePlan(String name, String description, boolean free, Boolean bindable,
                Integer polling, Map<String, List<String>> labels) {
            ServicePlan plan = fixtures.plan(offering.id(), name + "-id", name, description, free, bindable, polling);
            return plans().create(Fixtures.withLabels(plan, Labels.of(labels)));
        }

        /** The names of the plans matching all {@code criteria}, in list order. */
        private List<String> names(Criterion... criteria) {
            return plans().list(Query.of(criteria), PageRequest.unbounded()).items().stream()
                    .map(ServicePlan::name).toList();
        }

        // string fields

        @Test
        @DisplayName("string eq matches equal values")
        void stringEq() {
            assertThat(names(field("name", Operator.EQ, "beta"))).containsExactly("beta");
        }

        @Test
        @DisplayName("string ne matches other values and null")
        void stringNe() {
            assertThat(names(field("description", Operator.NE, "third plan"))).containsExactly("alpha", "beta", "delta");
        }

        @Test
        @DisplayName("string in matches any listed value and ignores unknown ones")
        void stringIn() {
            assertThat(names(field("name", Operator.IN, "gamma", "alpha", "nope"))).containsExactly("alpha", "gamma");
        }

        @Test
        @DisplayName("string notin matches values not listed and null")
        void stringNotin() {
            assertThat(names(field("description", Operator.NOTIN, "first plan", "third plan")))
                    .containsExactly("beta", "delta");
        }

        @Test
        @DisplayName("string en matches the value or null")
        void stringEn() {
            assertThat(names(field("description", Operator.EN, "third plan"))).containsExactly("beta", "gamma");
        }

        @Test
        @DisplayName("contains matches substrings, case-sensitively, and never null")
        void stringContains() {
            assertThat(names(field("description", Operator.CONTAINS, "plan"))).containsExactly("alpha", "gamma");
            assertThat(names(field("description", Operator.CONTAINS, "alpha"))).containsExactly("delta");
            assertThat(names(field("description", Operator.CONTAINS, "Plan"))).isEmpty();
        }

        @Test
        @DisplayName("strings compare lexicographically with gt, ge, lt and le")
        void stringOrdered() {
            assertThat(names(field("name", Operator.GT, "beta"))).containsExactly("gamma", "delta");
            assertThat(names(field("name", Operator.GE, "beta"))).containsExactly("beta", "gamma", "delta");
            assertThat(names(field("name", Operator.LT, "beta"))).containsExactly("alpha");
            assertThat(names(field("name", Operator.LE, "beta"))).containsExactly("alpha", "beta");
        }

        @Test
        @DisplayName("ordered operators on strings never match null")
        void stringOrderedSkipsNull() {
            assertThat(names(field("description", Operator.GT, ""))).containsExactly("alpha", "gamma", "delta");
            assertThat(names(field("description", Operator.LT, "zzz"))).containsExactly("alpha", "gamma", "delta");
        }

        @Test
        @DisplayName("an entity can be found by id with eq and in")
        void byId() {
            assertThat(names(field("id", Operator.EQ, gamma.id()))).containsExactly("gamma");
            assertThat(names(field("id", Operator.IN, delta.id(), alpha.id(), Fixtures.newId())))
                    .containsExactly("alpha", "delta");
        }

        @Test
        @DisplayName("a reference field can be queried")
        void byReference() {
            ServicePlan elsewhere = plans().create(fixtures.plan(offerings().create(
                    fixtures.offering(offering.brokerId())).id()));

            List<ServicePlan> ofOffering = plans().list(
                    Query.of(field("service_offering_id", Operator.EQ, offering.id())), PageRequest.unbounded()).items();

            assertThat(ofOffering).containsExactly(alpha, beta, gamma, delta).doesNotContain(elsewhere);
        }

        @Test
        @DisplayName("internal fields, such as a platform's user name, can be queried")
        void internalField() {
            Platform platform = platforms().create(fixtures.platform());
            platforms().create(fixtures.platform());

            Page<Platform> found = platforms().list(
                    Query.of(field("username", Operator.EQ, platform.credentials().username())),
                    PageRequest.unbounded());

            assertThat(found.items()).containsExactly(platform);
        }

        // boolean fields

        @Test
        @DisplayName("boolean eq matches the value and not null")
        void booleanEq() {
            assertThat(names(field("free", Operator.EQ, true))).containsExactly("alpha", "delta");
            assertThat(names(field("bindable", Operator.EQ, true))).containsExactly("alpha");
        }

        @Test
        @DisplayName("boolean ne matches the other value and null")
        void booleanNe() {
            assertThat(names(field("bindable", Operator.NE, true))).containsExactly("beta", "gamma", "delta");
        }

        @Test
        @DisplayName("boolean in matches listed values and not null")
        void booleanIn() {
            assertThat(names(field("bindable", Operator.IN, true, false))).containsExactly("alpha", "gamma");
        }

        @Test
        @DisplayName("boolean notin matches unlisted values and null")
        void booleanNotin() {
            assertThat(names(field("bindable", Operator.NOTIN, false))).containsExactly("alpha", "beta", "delta");
        }

        @Test
        @DisplayName("boolean en matches the value or null")
        void booleanEn() {
            assertThat(names(field("bindable", Operator.EN, false))).containsExactly("beta", "gamma", "delta");
        }

        // integer fields

        @Test
        @DisplayName("integer eq matches equal values and not null")
        void integerEq() {
            assertThat(names(field("maximum_polling_duration", Operator.EQ, 20L))).containsExactly("delta");
        }

        @Test
        @DisplayName("integer ne matches other values and null")
        void integerNe() {
            assertThat(names(field("maximum_polling_duration", Operator.NE, 20L)))
                    .containsExactly("alpha", "beta", "gamma");
        }

        @Test
        @DisplayName("integer gt matches greater values and not null")
        void integerGt() {
            assertThat(names(field("maximum_polling_duration", Operator.GT, 10L))).containsExactly("gamma", "delta");
        }

        @Test
        @DisplayName("integer ge matches greater or equal values and not null")
        void integerGe() {
            assertThat(names(field("maximum_polling_duration", Operator.GE, 20L))).containsExactly("gamma", "delta");
        }

        @Test
        @DisplayName("integer lt matches smaller values and not null")
        void integerLt() {
            assertThat(names(field("maximum_polling_duration", Operator.LT, 30L))).containsExactly("alpha", "delta");
        }

        @Test
        @DisplayName("integer le matches smaller or equal values and not null")
        void integerLe() {
            assertThat(names(field("maximum_polling_duration", Operator.LE, 10L))).containsExactly("alpha");
        }

        @Test
        @DisplayName("no ordered operator matches a null integer, however wide the bound")
        void integerOrderedSkipsNull() {
            assertThat(names(field("maximum_polling_duration", Operator.LT, Long.MAX_VALUE)))
                    .containsExactly("alpha", "gamma", "delta");
            assertThat(names(field("maximum_polling_duration", Operator.GE, Long.MIN_VALUE)))
                    .containsExactly("alpha", "gamma", "delta");
        }

        @Test
        @DisplayName("integer in matches listed values and not null")
        void integerIn() {
            assertThat(names(field("maximum_polling_duration", Operator.IN, 10L, 30L))).containsExactly("alpha", "gamma");
        }

        @Test
        @DisplayName("integer notin matches unlisted values and null")
        void integerNotin() {
            assertThat(names(field("maximum_polling_duration", Operator.NOTIN, 10L)))
                    .containsExactly("beta", "gamma", "delta");
        }

        @Test
        @DisplayName("integer en matches the value or null")
        void integerEn() {
            assertThat(names(field("maximum_polling_duration", Operator.EN, 30L))).containsExactly("beta", "gamma");
        }

        // date-time fields

        @Test
        @DisplayName("date-time eq and ne compare instants exactly")
        void dateTimeEqNe() {
            assertThat(names(field("created_at", Operator.EQ, beta.createdAt()))).containsExactly("beta");
            assertThat(names(field("created_at", Operator.NE, beta.createdAt())))
                    .containsExactly("alpha", "gamma", "delta");
        }

        @Test
        @DisplayName("date-time gt and ge match later instants")
        void dateTimeLater() {
            assertThat(names(field("created_at", Operator.GT, beta.createdAt()))).containsExactly("gamma", "delta");
            assertThat(names(field("created_at", Operator.GE, beta.createdAt())))
                    .containsExactly("beta", "gamma", "delta");
        }

        @Test
        @DisplayName("date-time lt and le match earlier instants")
        void dateTimeEarlier() {
            assertThat(names(field("created_at", Operator.LT, gamma.createdAt()))).containsExactly("alpha", "beta");
            assertThat(names(field("created_at", Operator.LE, gamma.createdAt())))
                    .containsExactly("alpha", "beta", "gamma");
        }

        @Test
        @DisplayName("date-time in, notin and en match by instant")
        void dateTimeSets() {
            assertThat(names(field("updated_at", Operator.IN, alpha.updatedAt(), delta.updatedAt())))
                    .containsExactly("alpha", "delta");
            assertThat(names(field("updated_at", Operator.NOTIN, alpha.updatedAt())))
                    .containsExactly("beta", "gamma", "delta");
            assertThat(names(field("updated_at", Operator.EN, gamma.updatedAt()))).containsExactly("gamma");
        }

        // labels

        @Test
        @DisplayName("label eq matches entities with the key and that value among others")
        void labelEq() {
            assertThat(names(label("env", Operator.EQ, "dev"))).containsExactly("alpha", "beta");
            assertThat(names(label("env", Operator.EQ, "prod"))).containsExactly("beta", "delta");
        }

        @Test
        @DisplayName("label eq on a key no entity has matches nothing")
        void labelEqMissingKey() {
            assertThat(names(label("region", Operator.EQ, "eu"))).isEmpty();
        }

        @Test
        @DisplayName("label ne matches entities with the key and without the value, not those without the key")
        void labelNe() {
            assertThat(names(label("env", Operator.NE, "dev"))).containsExactly("delta");
            assertThat(names(label("tier", Operator.NE, "gold"))).containsExactly("delta");
        }

        @Test
        @DisplayName("label query counts count each entity once, also when it holds several of the values")
        void labelCounts() {
            Query both = Query.of(label("env", Operator.IN, "dev", "prod"));
            assertThat(plans().count(both)).isEqualTo(3);
            assertThat(plans().list(both, PageRequest.first(1)).totalItems()).isEqualTo(3);
            assertThat(plans().count(Query.of(label("env", Operator.EQ, "dev"), label("env", Operator.EQ, "prod"))))
                    .isEqualTo(1);
        }

        @Test
        @DisplayName("label in matches entities with the key and any listed value, each once")
        void labelIn() {
            assertThat(names(label("env", Operator.IN, "prod", "qa"))).containsExactly("beta", "delta");
            assertThat(names(label("env", Operator.IN, "dev", "prod"))).containsExactly("alpha", "beta", "delta");
        }

        @Test
        @DisplayName("label notin matches entities with the key and no listed value, not those without the key")
        void labelNotin() {
            assertThat(names(label("env", Operator.NOTIN, "dev", "qa"))).containsExactly("delta");
            assertThat(names(label("tier", Operator.NOTIN, "gold", "bronze"))).containsExactly("delta");
        }

        @Test
        @DisplayName("label ne and notin on a key no entity has match nothing")
        void labelNegationsMissingKey() {
            assertThat(names(label("region", Operator.NE, "eu"))).isEmpty();
            assertThat(names(label("region", Operator.NOTIN, "eu"))).isEmpty();
        }

        @Test
        @DisplayName("label queries follow label updates")
        void labelQueriesFollowUpdates() {
            plans().update(Fixtures.withLabels(gamma, Labels.of("env", "dev")));
            ServicePlan alphaNow = plans().get(alpha.id()).orElseThrow();
            plans().update(Fixtures.withLabels(alphaNow, Labels.of("env", "qa")));

            assertThat(names(label("env", Operator.EQ, "dev"))).containsExactly("beta", "gamma");
            assertThat(names(label("tier", Operator.EQ, "gold"))).isEmpty();
            assertThat(names(label("tier", Operator.NE, "silver"))).isEmpty();
        }

        // combinations

        @Test
        @DisplayName("field and label criteria must all match")
        void fieldAndLabel() {
            assertThat(names(field("free", Operator.EQ, false), label("env", Operator.EQ, "dev")))
                    .containsExactly("beta");
            assertThat(names(field("free", Operator.EQ, true), label("env", Operator.IN, "dev", "prod")))
                    .containsExactly("alpha", "delta");
        }

        @Test
        @DisplayName("several label criteria must all match")
        void severalLabels() {
            assertThat(names(label("env", Operator.EQ, "prod"), label("tier", Operator.EQ, "silver")))
                    .containsExactly("delta");
            assertThat(names(label("env", Operator.EQ, "dev"), label("tier", Operator.NE, "gold"))).isEmpty();
        }

        @Test
        @DisplayName("several field criteria must all match")
        void severalFields() {
            assertThat(names(field("free", Operator.EQ, true), field("maximum_polling_duration", Operator.GT, 10L)))
                    .containsExactly("delta");
            assertThat(names(field("name", Operator.EQ, "alpha"), field("free", Operator.EQ, false))).isEmpty();
        }

        @Test
        @DisplayName("count counts the matches of a query")
        void countMatches() {
            assertThat(plans().count(Query.of(label("env", Operator.EQ, "dev")))).isEqualTo(2);
            assertThat(plans().count(Query.of(field("free", Operator.EQ, false), label("env", Operator.EQ, "dev"))))
                    .isEqualTo(1);
            assertThat(plans().count(Query.of(field("description", Operator.CONTAINS, "plan")))).isEqualTo(2);
        }

        // order

        @Test
        @DisplayName("entities are listed by creation time, not by insertion order")
        void orderByCreationTime() {
            Instant base = Instant.parse("2030-01-01T00:00:00Z");
            Platform late = platforms().create(Fixtures.withIdAndTime(fixtures.platform(), "a", base.plusSeconds(2)));
            Platform early = platforms().create(Fixtures.withIdAndTime(fixtures.platform(), "b", base));
            Platform middle = platforms().create(Fixtures.withIdAndTime(fixtures.platform(), "c", base.plusSeconds(1)));

            assertThat(all(platforms())).containsExactly(early, middle, late);
        }

        @Test
        @DisplayName("entities created at the same time are listed by id")
        void equalTimesById() {
            Instant at = Instant.parse("2030-01-01T00:00:00Z");
            for (String id : List.of("c", "a", "d", "b")) {
                platforms().create(Fixtures.withIdAndTime(fixtures.platform(), id, at));
            }

            assertThat(ids(all(platforms()))).containsExactly("a", "b", "c", "d");
        }

        // paging

        @Test
        @DisplayName("a page holds at most maxItems entities and starts strictly after its cursor")
        void pageAfterCursor() {
            List<Platform> stored = storePlatforms(5);

            Page<Platform> page = platforms().list(Query.all(), new PageRequest(2, cursorOf(stored.get(1))));

            assertThat(page.items()).containsExactly(stored.get(2), stored.get(3));
        }

        @Test
        @DisplayName("totalItems counts every match, also those before the cursor")
        void totalItemsIgnoresCursor() {
            List<Platform> stored = storePlatforms(5);

            Page<Platform> page = platforms().list(Query.all(), new PageRequest(2, cursorOf(stored.get(3))));

            assertThat(page.items()).containsExactly(stored.get(4));
            assertThat(page.totalItems()).isEqualTo(5);
        }

        @Test
        @DisplayName("hasMore says whether matches follow the page, and is false on a page that ends with the last")
        void hasMore() {
            List<Platform> stored = storePlatforms(4);

            assertThat(platforms().list(Query.all(), PageRequest.first(3)).hasMore()).isTrue();
            assertThat(platforms().list(Query.all(), new PageRequest(2, cursorOf(stored.get(1)))).hasMore())
                    .isFalse();
            assertThat(platforms().list(Query.all(), PageRequest.first(4)).hasMore()).isFalse();
        }

        @Test
        @DisplayName("maxItems 0 lists no entity, counts them all and says that more follow")
        void maxItemsZero() {
            storePlatforms(3);

            Page<Platform> page = platforms().list(Query.all(), PageRequest.first(0));

            assertThat(page.items()).isEmpty();
            assertThat(page.totalItems()).isEqualTo(3);
            assertThat(page.hasMore()).isTrue();
        }

        @Test
        @DisplayName("maxItems 0 counts the matches of a query")
        void maxItemsZeroWithQuery() {
            Page<ServicePlan> page = plans().list(
                    Query.of(label("env", Operator.EQ, "prod"), field("free", Operator.EQ, true)), PageRequest.first(0));

            assertThat(page.items()).isEmpty();
            assertThat(page.totalItems()).isEqualTo(1);
        }

        @Test
        @DisplayName("an empty store lists an empty last page")
        void emptyStore() {
            Page<Platform> page = platforms().list(Query.all(), PageRequest.first(10));

            assertThat(page.items()).isEmpty();
            assertThat(page.totalItems()).isZero();
            assertThat(page.hasMore()).isFalse();
        }

        @Test
        @DisplayName("a cursor stays valid after its entity is deleted")
        void cursorOfDeletedEntity() {
            List<Platform> stored = storePlatforms(4);
            platforms().delete(stored.get(1).id());

            Page<Platform> page = platforms().list(Query.all(), new PageRequest(10, cursorOf(stored.get(1))));

            assertThat(page.items()).containsExactly(stored.get(2), stored.get(3));
            assertThat(page.totalItems()).isEqualTo(3);
        }

        @Test
        @DisplayName("a cursor at any instant, however far in the future, lists nothing after it and counts every match")
        void cursorBeyondAnyTime() {
            storePlatforms(3);

            for (Instant far : FAR_INSTANTS_AFTER) {
                Page<Platform> page = platforms().list(Query.all(), new PageRequest(10, new Cursor(far, "z")));

                assertThat(page.items()).as("after " + far).isEmpty();
                assertThat(page.totalItems()).as("after " + far).isEqualTo(3);
                assertThat(page.hasMore()).as("after " + far).isFalse();
            }
        }

        @Test
        @DisplayName("a cursor at any instant, however far in the past, lists everything after it")
        void cursorBeforeAnyTime() {
            List<Platform> stored = storePlatforms(3);

            for (Instant far : FAR_INSTANTS_BEFORE) {
                Page<Platform> page = platforms().list(Query.all(), new PageRequest(2, new Cursor(far, "")));

                assertThat(page.items()).as("after " + far).containsExactly(stored.get(0), stored.get(1));
                assertThat(page.hasMore()).as("after " + far).isTrue();
            }
        }

        @Test
        @DisplayName("date-time criteria at any instant, however far out, compare like any other instant")
        void dateTimeCriteriaFarOut() {
            for (Instant far : FAR_INSTANTS_AFTER) {
                assertThat(names(field("created_at", Operator.LT, far))).as("lt " + far).hasSize(4);
                assertThat(names(field("created_at", Operator.LE, far))).as("le " + far).hasSize(4);
                assertThat(names(field("created_at", Operator.GT, far))).as("gt " + far).isEmpty();
                assertThat(names(field("updated_at", Operator.EQ, far))).as("eq " + far).isEmpty();
                assertThat(names(field("updated_at", Operator.NE, far))).as("ne " + far).hasSize(4);
            }
            for (Instant far : FAR_INSTANTS_BEFORE) {
                assertThat(names(field("created_at", Operator.GE, far))).as("ge " + far).hasSize(4);
                assertThat(names(field("created_at", Operator.LT, far))).as("lt " + far).isEmpty();
                assertThat(names(field("created_at", Operator.IN, far, alpha.createdAt()))).as("in " + far)
                        .containsExactly("alpha");
                assertThat(names(field("created_at", Operator.NOTIN, far, alpha.createdAt()))).as("notin " + far)
                        .containsExactly("beta", "gamma", "delta");
            }
        }

        @Test
        @DisplayName("paging with cursors visits every entity once, and those created later, while others are inserted")
        void pagingWhileInserting() {
            List<String> expected = new ArrayList<>(ids(storePlatforms(20)));
            List<String> seen = new ArrayList<>();
            Cursor cursor = null;
            for (int pages = 0; pages < 20; pages++) {
                Page<Platform> page = platforms().list(Query.all(), new PageRequest(6, cursor));
                seen.addAll(ids(page));
                if (!page.hasMore()) {
                    break;
                }
                cursor = cursorOf(page.items().get(page.items().size() - 1));
                expected.add(platforms().create(fixtures.platform()).id());
                Instant beforeCursor = Fixtures.DEFAULT_START.minusSeconds(1 + pages);
                platforms().create(Fixtures.withIdAndTime(fixtures.platform(), Fixtures.newId(), beforeCursor));
            }

            assertThat(seen).containsExactlyElementsOf(expected);
        }

        @Test
        @DisplayName("a label query is paged through all its matches with totalItems counting all of them")
        void pagingLabelQuery() {
            List<String> prod = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                Labels labels = Labels.of("env", i % 3 == 0 ? "dev" : "prod");
                Platform platform = platforms().create(Fixtures.withLabels(fixtures.platform(), labels));
                if (i % 3 != 0) {
                    prod.add(platform.id());
                }
            }

            assertThat(pageThrough(platforms(), Query.of(label("env", Operator.EQ, "prod")), 3, 8))
                    .containsExactlyElementsOf(prod);
        }

        @Test
        @DisplayName("a query of field and label criteria is paged through all its matches")
        void pagingCombinedQuery() {
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                Labels labels = Labels.of("env", i % 2 == 0 ? "dev" : "prod");
                Platform platform = fixtures.platform(i % 3 == 0 ? "special-" + i : "plain-" + i);
                platform = platforms().create(Fixtures.withLabels(platform, labels));
                if (i % 2 == 1 && i % 3 != 0) {
                    expected.add(platform.id());
                }
            }
            Query query = Query.of(label("env", Operator.EQ, "prod"), field("name", Operator.CONTAINS, "plain"));

            assertThat(pageThrough(platforms(), query, 2, expected.size())).containsExactlyElementsOf(expected);
        }

        @Test
        @DisplayName("a label query with further criteria and many matches is paged through in list order")
        void pagingManyCombinedMatches() {
            // Enough matches for a store to walk the label in list order (as the JDBC store does on
            // PostgreSQL above 500), and every third entity of the label not matching the field.
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 780; i++) {
                Platform platform = fixtures.platform((i % 3 == 0 ? "special-" : "plain-") + i);
                platform = platforms().create(Fixtures.withLabels(platform, Labels.of("tenant", "t1")));
                if (i % 3 != 0) {
                    expected.add(platform.id());
                }
            }
            platforms().create(Fixtures.withLabels(fixtures.platform("plain-other"), Labels.of("tenant", "t2")));
            Query query = Query.of(field("name", Operator.CONTAINS, "plain"), label("tenant", Operator.EQ, "t1"));

            assertThat(pageThrough(platforms(), query, 200, expected.size())).containsExactlyElementsOf(expected);
        }

        /** Lists every page of {@code query}, checking totalItems on each; returns the ids seen. */
        private <T extends Entity> List<String> pageThrough(Repository<T> repository, Query query, int pageSize,
                long expectedTotal) {
            List<String> seen = new ArrayList<>();
            Cursor cursor = null;
            while (true) {
                Page<T> page = repository.list(query, new PageRequest(pageSize, cursor));
                assertThat(page.totalItems()).isEqualTo(expectedTotal);
                assertThat(page.items()).hasSizeLessThanOrEqualTo(pageSize);
                seen.addAll(ids(page));
                if (!page.hasMore()) {
                    return seen;
                }
                assertThat(page.items()).hasSize(pageSize);
                cursor = cursorOf(page.items().get(page.items().size() - 1));
            }
        }

        private List<Platform> storePlatforms(int count) {
            List<Platform> stored = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                stored.add(platforms().create(fixtures.platform()));
            }
            return stored;
        }
    }

    // ---------------------------------------------------------------- paging tokens

    /**
     * The paging tokens of the REST API ({@code GET /v1/<resources>?token=...}) over this store. A
     * token is opaque to clients, so any token a client forges is malformed unless the Service
     * Manager issued it, and must get 400 {@code InvalidToken}, never a store failure or a page.
     */
    @Nested
    @DisplayName("Paging tokens of the REST API")
    class PagingTokens {
        private static final ObjectMapper JSON = new ObjectMapper();
        private ServiceManager serviceManager;
        private List<Platform> stored;

        @BeforeEach
        void startServiceManager() {
            // a persistent store requires a key for broker credentials; none are stored here
            serviceManager = ServiceManager.builder().store(store).disableAuthentication()
                    .encryptionKey(new byte[32]).build();
            stored = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                stored.add(platforms().create(fixtures.platform()));
            }
        }

        @AfterEach
        void stopServiceManager() {
            if (serviceManager != null) {
                serviceManager.close();
            }
        }

        private SmResponse get(String path, String rawQuery) {
            return serviceManager.handle(SmRequest.builder("GET", path).query(rawQuery).build());
        }

        private JsonNode json(SmResponse response) {
            try {
                return JSON.readTree(response.body());
            } catch (java.io.IOException e) {
                throw new AssertionError("not JSON: " + response.bodyAsString(), e);
            }
        }

        /** The first page of {@code resources}, of one item; returns its token. */
        private String firstToken(String resources) {
            SmResponse first = get("/v1/" + resources, "max_items=1");
            assertThat(first.status()).as(first.bodyAsString()).isEqualTo(200);
            return json(first).path("token").asText();
        }

        /** The token a client forges from {@code plain}, encoded as the Service Manager encodes its own. */
        private String forged(String plain) {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
        }

        /** Lists platforms with {@code token}: 400 InvalidToken naming the token, nothing of the input echoed. */
        private void assertRefused(String token) {
            SmResponse response = get("/v1/platforms",
                    "max_items=1&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));

            String shown = token.length() > 60 ? token.substring(0, 60) + "..." : token;
            assertThat(response.status()).as("status for token '%s': %s", shown, response.bodyAsString())
                    .isEqualTo(400);
            JsonNode body = json(response);
            assertThat(body.path("error").asText()).as("error for token '%s'", shown).isEqualTo("InvalidToken");
            assertThat(body.path("description").asText()).as("description for token '%s'", shown)
                    .contains("token").doesNotContain("Exception").doesNotContain("\tat ");
        }

        private String plain(Instant position, String id) {
            return "1:platforms:" + position.getEpochSecond() + ":" + position.getNano() + ":" + id;
        }

        @Test
        @DisplayName("a token from a listing lists the next page")
        void issuedTokenWorks() {
            SmResponse second = get("/v1/platforms", "max_items=1&token=" + firstToken("platforms"));

            assertThat(second.status()).isEqualTo(200);
            assertThat(json(second).path("items").get(0).path("id").asText()).isEqualTo(stored.get(1).id());
        }

        @Test
        @DisplayName("a token that is not base64url is refused")
        void notBase64() {
            assertRefused("not a token!");
            assertRefused("bm90IGEgdG9rZW4=");
            assertRefused("ab+/cd");
            assertRefused("\u00e9t\u00e9");
        }

        @Test
        @DisplayName("base64url of text that is no token is refused")
        void base64OfGarbage() {
            assertRefused(forged("hello, world"));
            assertRefused(forged("{\"created_at\":\"2025-01-01T00:00:00Z\",\"id\":\"x\"}"));
            assertRefused(forged("1"));
            assertRefused("A");
        }

        @Test
        @DisplayName("base64url of bytes that are not text is refused")
        void base64OfBinary() {
            assertRefused(Base64.getUrlEncoder().withoutPadding().encodeToString(
                    new byte[] {'1', ':', (byte) 0xff, (byte) 0xfe, 0, ':', (byte) 0xc3}));
        }

        @Test
        @DisplayName("a token positioned at a time no timestamp of the API can have is refused, not passed to the store")
        void positionOutOfRange() {
            for (Instant far : FAR_INSTANTS_AFTER) {
                assertRefused(forged(plain(far, stored.get(0).id())));
            }
            for (Instant far : FAR_INSTANTS_BEFORE) {
                assertRefused(forged(plain(far, stored.get(0).id())));
            }
        }

        @Test
        @DisplayName("a token whose numbers are beyond any integer or instant is refused")
        void hugeNumbers() {
            String id = stored.get(0).id();
            assertRefused(forged("1:platforms:99999999999999999999999999:0:" + id));
            assertRefused(forged("1:platforms:" + Long.MAX_VALUE + ":0:" + id));
            assertRefused(forged("1:platforms:" + Long.MIN_VALUE + ":0:" + id));
            assertRefused(forged("1:platforms:1735689600:1000000000:" + id));
            assertRefused(forged("1:platforms:1735689600:-1:" + id));
            assertRefused(forged("1:platforms:1735689600:99999999999999999999:" + id));
        }

        @Test
        @DisplayName("a token with fields missing or empty is refused")
        void wrongFieldCount() {
            assertRefused(forged("1:platforms:1735689600:0"));
            assertRefused(forged("1:platforms:1735689600"));
            assertRefused(forged("1:platforms:1735689600:0:"));
            assertRefused(forged("1::1735689600:0:x"));
            assertRefused(forged(":::::"));
        }

        @Test
        @DisplayName("a token in another spelling of a valid position, or of an unknown version, is refused")
        void notCanonical() {
            String id = stored.get(0).id();
            assertRefused(forged("1:platforms:+1735689600:0:" + id));
            assertRefused(forged("1:platforms:01735689600:0:" + id));
            assertRefused(forged("1:platforms:1735689600:000:" + id));
            assertRefused(forged("2:platforms:1735689600:0:" + id));
            assertRefused(firstToken("platforms") + "=");
        }

        @Test
        @DisplayName("a token of another resource's listing is refused")
        void otherListing() {
            brokers().create(fixtures.broker());
            brokers().create(fixtures.broker());

            assertRefused(firstToken("service_brokers"));
        }

        @Test
        @DisplayName("a token longer than any the Service Manager issues is refused")
        void tooLong() {
            assertRefused(forged(plain(stored.get(0).createdAt(), "x".repeat(5000))));
        }
    }

    // ---------------------------------------------------------------- cascades

    @Nested
    @DisplayName("Cascades")
    class Cascades {
        private Platform platform;
        private ServiceBroker broker;
        private ServiceOffering offering;
        private ServicePlan plan;
        private ServicePlan otherPlan;
        private Visibility onPlatform;
        private Visibility global;
        private Visibility otherPlanOnPlatform;
        private ServicePlan unrelatedPlan;
        private Visibility unrelatedVisibility;

        @BeforeEach
        void storeGraph() {
            platform = platforms().create(fixtures.platform());
            broker = brokers().create(fixtures.broker());
            offering = offerings().create(fixtures.offering(broker.id()));
            plan = plans().create(fixtures.plan(offering.id()));
            otherPlan = plans().create(fixtures.plan(offering.id()));
            onPlatform = visibilities().create(fixtures.visibility(platform.id(), plan.id()));
            global = visibilities().create(fixtures.visibility(null, plan.id()));
            otherPlanOnPlatform = visibilities().create(fixtures.visibility(platform.id(), otherPlan.id()));
            unrelatedPlan = storedPlan();
            unrelatedVisibility = visibilities().create(fixtures.visibility(platform.id(), unrelatedPlan.id()));
        }

        @Test
        @DisplayName("deleting a broker deletes its offerings, their plans and the plans' visibilities")
        void brokerCascades() {
            assertThat(brokers().delete(broker.id())).isTrue();

            assertThat(offerings().get(offering.id())).isEmpty();
            assertThat(plans().get(plan.id())).isEmpty();
            assertThat(plans().get(otherPlan.id())).isEmpty();
            assertThat(all(visibilities())).containsExactly(unrelatedVisibility);
            assertThat(all(plans())).containsExactly(unrelatedPlan);
            assertThat(platforms().get(platform.id())).contains(platform);
        }

        @Test
        @DisplayName("deleting an offering deletes its plans and their visibilities")
        void offeringCascades() {
            offerings().delete(offering.id());

            assertThat(all(plans())).containsExactly(unrelatedPlan);
            assertThat(all(visibilities())).containsExactly(unrelatedVisibility);
            assertThat(brokers().get(broker.id())).contains(broker);
        }

        @Test
        @DisplayName("deleting a plan deletes its visibilities and no others")
        void planCascades() {
            plans().delete(plan.id());

            assertThat(all(visibilities())).containsExactly(otherPlanOnPlatform, unrelatedVisibility);
            assertThat(offerings().get(offering.id())).contains(offering);
        }

        @Test
        @DisplayName("deleting a platform deletes its visibilities but not those for every platform")
        void platformCascades() {
            Platform otherPlatform = platforms().create(fixtures.platform());
            Visibility onOtherPlatform = visibilities().create(fixtures.visibility(otherPlatform.id(), plan.id()));

            platforms().delete(platform.id());

            assertThat(all(visibilities())).containsExactly(global, onOtherPlatform);
            assertThat(all(plans())).containsExactly(plan, otherPlan, unrelatedPlan);
        }

        @Test
        @DisplayName("deleteAll deletes the matches with their dependents and counts only the matches")
        void deleteAllCascades() {
            int deleted = brokers().deleteAll(Query.of(field("id", Operator.IN, broker.id(), unrelatedPlanBroker())));

            assertThat(deleted).isEqualTo(2);
            assertThat(all(brokers())).isEmpty();
            assertThat(all(plans())).isEmpty();
            assertThat(all(visibilities())).isEmpty();
            assertThat(all(platforms())).containsExactly(platform);
        }

        @Test
        @DisplayName("deleteAll leaves what does not match")
        void deleteAllByQuery() {
            int deleted = visibilities().deleteAll(Query.of(field("platform_id", Operator.EQ, platform.id())));

            assertThat(deleted).isEqualTo(3);
            assertThat(all(visibilities())).containsExactly(global);
        }

        @Test
        @DisplayName("deleteAll of a query without matches deletes nothing and returns 0")
        void deleteAllNoMatch() {
            assertThat(plans().deleteAll(Query.of(field("name", Operator.EQ, "nope")))).isZero();
            assertThat(plans().count(Query.all())).isEqualTo(3);
        }

        @Test
        @DisplayName("a deleteAll in a failing transaction is undone as a whole, dependents included")
        void deleteAllAllOrNothing() {
            RuntimeException failure = new IllegalStateException("fail after deleteAll");

            Throwable thrown = catchThrowable(() -> store.inTransaction(tx -> {
                tx.repository(EntityTypes.SERVICE_BROKERS).deleteAll(Query.all());
                throw failure;
            }));

            assertThat(thrown).isSameAs(failure);
            assertThat(brokers().count(Query.all())).isEqualTo(2);
            assertThat(all(plans())).containsExactly(plan, otherPlan, unrelatedPlan);
            assertThat(all(visibilities())).containsExactly(onPlatform, global, otherPlanOnPlatform, unrelatedVisibility);
        }

        private String unrelatedPlanBroker() {
            return offerings().get(unrelatedPlan.serviceOfferingId()).orElseThrow().brokerId();
        }
    }

    // ---------------------------------------------------------------- restricting references

    @Nested
    @DisplayName("Restricting references")
    class Restricting {
        private Platform platform;
        private ServiceBroker broker;
        private ServicePlan plan;
        private Visibility visibility;

        @BeforeEach
        void storeGraph() {
            platform = platforms().create(fixtures.platform());
            plan = storedPlan();
            broker = brokers().get(offerings().get(plan.serviceOfferingId()).orElseThrow().brokerId()).orElseThrow();
            visibility = visibilities().create(fixtures.visibility(platform.id(), plan.id()));
        }

        private ServiceInstance storedInstance() {
            return instances().create(fixtures.instance(plan.id(), platform.id()));
        }

        @Test
        @DisplayName("deleting a plan that an instance uses fails naming both, and deletes nothing")
        void planBlockedByInstance() {
            ServiceInstance instance = storedInstance();

            assertThatThrownBy(() -> plans().delete(plan.id()))
                    .isInstanceOf(ExistingReferenceException.class)
                    .hasMessageContaining("service plan '" + plan.id() + "'")
                    .hasMessageContaining("service instance '" + instance.id() + "'");
            assertThat(plans().get(plan.id())).contains(plan);
            assertThat(all(visibilities())).containsExactly(visibility);
        }

        @Test
        @DisplayName("an instance blocks the cascade from its plan's broker, and nothing of the cascade happens")
        void brokerCascadeBlocked() {
            storedInstance();

            assertThatThrownBy(() -> brokers().delete(broker.id()))
                    .isInstanceOf(ExistingReferenceException.class)
                    .hasMessageContaining("service broker '" + broker.id() + "'");
            assertThat(all(brokers())).containsExactly(broker);
            assertThat(offerings().count(Query.all())).isEqualTo(1);
            assertThat(all(plans())).containsExactly(plan);
            assertThat(all(visibilities())).containsExactly(visibility);
        }

        @Test
        @DisplayName("a platform is blocked by its instances and bindings, which the message names")
        void platformBlocked() {
            ServiceInstance instance = storedInstance();
            ServiceBinding binding = bindings().create(fixtures.binding(instance.id(), platform.id()));

            assertThatThrownBy(() -> platforms().delete(platform.id()))
                    .isInstanceOf(ExistingReferenceException.class)
                    .hasMessageContaining("platform '" + platform.id() + "'")
                    .hasMessageContaining("service instance '" + instance.id() + "'")
                    .hasMessageContaining("service binding '" + binding.id() + "'");
            assertThat(all(platforms())).containsExactly(platform);
            assertThat(all(visibilities())).containsExactly(visibility);
        }

        @Test
        @DisplayName("a binding alone blocks deleting the platform that made it")
        void platformBlockedByBinding() {
            Platform other = platforms().create(fixtures.platform());
            ServiceBinding binding = bindings().create(fixtures.binding(storedInstance().id(), other.id()));

            assertThatThrownBy(() -> platforms().delete(other.id()))
                    .isInstanceOf(ExistingReferenceException.class)
                    .hasMessageContaining("service binding '" + binding.id() + "'");
            assertThat(platforms().get(other.id())).contains(other);
        }

        @Test
        @DisplayName("deleting an instance deletes its bindings, and then its plan and platform can go")
        void instanceCascadesToBindings() {
            ServiceInstance instance = storedInstance();
            bindings().create(fixtures.binding(instance.id(), platform.id()));

            assertThat(instances().delete(instance.id())).isTrue();

            assertThat(bindings().count(Query.all())).isZero();
            assertThat(plans().delete(plan.id())).isTrue();
            assertThat(platforms().delete(platform.id())).isTrue();
        }

        @Test
        @DisplayName("deleting instances by query deletes their bindings and counts only the instances")
        void deleteAllInstancesCascades() {
            ServiceInstance instance = storedInstance();
            bindings().create(fixtures.binding(instance.id(), platform.id()));
            bindings().create(fixtures.binding(instance.id(), platform.id()));

            assertThat(instances().deleteAll(Query.of(field("platform_id", Operator.EQ, platform.id())))).isEqualTo(1);

            assertThat(bindings().count(Query.all())).isZero();
        }

        @Test
        @DisplayName("the message names ten blocking entities and counts the rest")
        void messageSummarises() {
            for (int i = 0; i < 12; i++) {
                storedInstance();
            }

            assertThatThrownBy(() -> plans().delete(plan.id()))
                    .isInstanceOf(ExistingReferenceException.class)
                    .hasMessageEndingWith(" and 2 more")
                    .satisfies(e -> assertThat(e.getMessage().split("service instance '", -1)).hasSize(11));
        }

        @Test
        @DisplayName("deleteAll is all or nothing: one blocked match keeps every match")
        void deleteAllAllOrNothing() {
            ServicePlan free = plans().create(fixtures.plan(plan.serviceOfferingId()));
            storedInstance();

            assertThatThrownBy(() -> plans().deleteAll(Query.all()))
                    .isInstanceOf(ExistingReferenceException.class)
                    .hasMessageContaining("2 service_plans");
            assertThat(all(plans())).containsExactly(plan, free);
            assertThat(all(visibilities())).containsExactly(visibility);
        }

        @Test
        @DisplayName("a blocked delete inside a transaction can be caught, and the transaction commits the rest")
        void blockedDeleteCaughtInTransaction() {
            storedInstance();

            Platform created = store.inTransaction(tx -> {
                assertThatThrownBy(() -> tx.repository(EntityTypes.SERVICE_PLANS).delete(plan.id()))
                        .isInstanceOf(ExistingReferenceException.class);
                return tx.repository(EntityTypes.PLATFORMS).create(fixtures.platform());
            });

            assertThat(platforms().get(created.id())).contains(created);
            assertThat(all(plans())).containsExactly(plan);
            assertThat(all(visibilities())).containsExactly(visibility);
        }
    }

    // ---------------------------------------------------------------- transactions

    @Nested
    @DisplayName("Transactions")
    class Transactions {

        @Test
        @DisplayName("the work's changes are visible after it returns, and its result is returned")
        void commit() {
            Platform created = store.inTransaction(tx -> {
                Platform platform = tx.repository(EntityTypes.PLATFORMS).create(fixtures.platform("cf"));
                tx.repository(EntityTypes.SERVICE_BROKERS).create(fixtures.broker("mysql"));
                return platform;
            });

            assertThat(platforms().get(created.id())).contains(created);
            assertThat(brokers().count(Query.all())).isEqualTo(1);
        }

        @Test
        @DisplayName("when the work throws, every create, update and cascading delete inside is undone")
        void rollbackRestoresEverything() {
            Platform platform = platforms().create(fixtures.platform("cf"));
            ServicePlan plan = storedPlan();
            Visibility visibility = visibilities().create(fixtures.visibility(platform.id(), plan.id()));
            ServiceOffering offering = offerings().get(plan.serviceOfferingId()).orElseThrow();
            ServiceBroker broker = brokers().get(offering.brokerId()).orElseThrow();
            RuntimeException failure = new IllegalStateException("boom");

            Throwable thrown = catchThrowable(() -> store.inTransaction(tx -> {
                tx.repository(EntityTypes.PLATFORMS).create(fixtures.platform("k8s"));
                tx.repository(EntityTypes.PLATFORMS).update(Fixtures.withLabels(platform, Labels.of("env", "prod")));
                tx.repository(EntityTypes.SERVICE_BROKERS).delete(broker.id());
                tx.repository(EntityTypes.SERVICE_BROKERS).create(fixtures.broker("other"));
                throw failure;
            }));

            assertThat(thrown).isSameAs(failure);
            assertThat(all(platforms())).containsExactly(platform);
            assertThat(all(brokers())).containsExactly(broker);
            assertThat(all(offerings())).containsExactly(offering);
            assertThat(all(plans())).containsExactly(plan);
            assertThat(all(visibilities())).containsExactly(visibility);
        }

        @Test
        @DisplayName("after a rollback, unique keys and queries see the restored state")
        void rollbackRestoresIndexes() {
            Platform platform = platforms().create(Fixtures.withLabels(fixtures.platform("cf"), Labels.of("env", "dev")));

            catchThrowable(() -> store.inTransaction(tx -> {
                Repository<Platform> repository = tx.repository(EntityTypes.PLATFORMS);
                repository.update(Fixtures.renamed(Fixtures.withLabels(platform, Labels.of("env", "prod")), "k8s"));
                repository.create(fixtures.platform("cf"));
                throw new IllegalStateException("boom");
            }));

            assertThatThrownBy(() -> platforms().create(fixtures.platform("cf")))
                    .isInstanceOf(UniqueViolationException.class);
            platforms().create(fixtures.platform("k8s"));
            assertThat(platforms().list(Query.of(label("env", Operator.EQ, "dev")), PageRequest.unbounded()).items())
                    .containsExactly(platform);
            assertThat(platforms().count(Query.of(label("env", Operator.EQ, "prod")))).isZero();
            assertThat(platforms().count(Query.of(field("name", Operator.EQ, "cf")))).isEqualTo(1);
        }

        @Test
        @DisplayName("a rolled-back delete makes the entity visible to queries again")
        void rollbackOfDeleteRestoresQueries() {
            ServicePlan plan = storedPlan();
            Visibility visibility = visibilities().create(fixtures.visibility(null, plan.id(), Labels.of("org", "a")));

            catchThrowable(() -> store.inTransaction(tx -> {
                tx.repository(EntityTypes.SERVICE_PLANS).delete(plan.id());
                throw new IllegalStateException("boom");
            }));

            assertThat(visibilities().list(Query.of(field("service_plan_id", Operator.EQ, plan.id())),
                    PageRequest.unbounded()).items()).containsExactly(visibility);
            assertThat(visibilities().count(Query.of(label("org", Operator.EQ, "a")))).isEqualTo(1);
        }

        @Test
        @DisplayName("a nested transaction sees the outer one's changes and commits with it")
        void nestedJoins() {
            Optional<Platform> seenInside = store.inTransaction(outer -> {
                Platform created = outer.repository(EntityTypes.PLATFORMS).create(fixtures.platform("cf"));
                return outer.inTransaction(inner -> {
                    inner.repository(EntityTypes.SERVICE_BROKERS).create(fixtures.broker("mysql"));
                    return inner.repository(EntityTypes.PLATFORMS).get(created.id());
                });
            });

            assertThat(seenInside).isPresent();
            assertThat(platforms().count(Query.all())).isEqualTo(1);
            assertThat(brokers().count(Query.all())).isEqualTo(1);
        }

        @Test
        @DisplayName("a failure escaping a nested transaction rolls back the outer one too")
        void nestedFailureRollsBackAll() {
            catchThrowable(() -> store.inTransaction(outer -> {
                outer.repository(EntityTypes.PLATFORMS).create(fixtures.platform("cf"));
                return outer.inTransaction(inner -> {
                    inner.repository(EntityTypes.SERVICE_BROKERS).create(fixtures.broker("mysql"));
                    throw new IllegalStateException("boom");
                });
            }));

            assertThat(platforms().count(Query.all())).isZero();
            assertThat(brokers().count(Query.all())).isZero();
        }

        @Test
        @DisplayName("changes made before a nested transaction are rolled back when the outer one fails later")
        void outerFailureAfterNested() {
            catchThrowable(() -> store.inTransaction(outer -> {
                outer.inTransaction(inner -> inner.repository(EntityTypes.PLATFORMS).create(fixtures.platform()));
                throw new IllegalStateException("boom");
            }));

            assertThat(platforms().count(Query.all())).isZero();
        }

        @Test
        @DisplayName("a nested transaction that throws is undone even when the outer one catches it and commits")
        void nestedActsAsSavepoint() {
            store.inTransaction(outer -> {
                outer.repository(EntityTypes.PLATFORMS).create(fixtures.platform("kept"));
                assertThatThrownBy(() -> outer.inTransaction(inner -> {
                    inner.repository(EntityTypes.PLATFORMS).create(fixtures.platform("undone"));
                    throw new IllegalStateException("boom");
                })).hasMessage("boom");
                return null;
            });

            assertThat(all(platforms())).extracting(Platform::name).containsExactly("kept");
        }

        @Test
        @DisplayName("an error, not only an exception, rolls the transaction back and reaches the caller unchanged")
        void errorRollsBack() {
            AssertionError error = new AssertionError("boom");

            Throwable thrown = catchThrowable(() -> store.inTransaction(tx -> {
                tx.repository(EntityTypes.PLATFORMS).create(fixtures.platform());
                throw error;
            }));

            assertThat(thrown).isSameAs(error);
            assertThat(platforms().count(Query.all())).isZero();
        }

        @Test
        @DisplayName("a failed operation can be caught inside a transaction, which then commits the rest")
        void caughtFailureInside() {
            platforms().create(fixtures.platform("cf"));

            store.inTransaction(tx -> {
                Repository<Platform> repository = tx.repository(EntityTypes.PLATFORMS);
                repository.create(fixtures.platform("k8s"));
                assertThatThrownBy(() -> repository.create(fixtures.platform("cf")))
                        .isInstanceOf(UniqueViolationException.class);
                return repository.create(fixtures.platform("kyma"));
            });

            assertThat(all(platforms())).extracting(Platform::name).containsExactly("cf", "k8s", "kyma");
        }

        @Test
        @DisplayName("other threads do not see the changes of a transaction before it ends")
        void isolation() throws Exception {
            ExecutorService reader = Executors.newSingleThreadExecutor();
            try {
                Platform created = store.inTransaction(tx -> {
                    Platform platform = tx.repository(EntityTypes.PLATFORMS).create(fixtures.platform("cf"));
                    Future<Optional<Platform>> seen = reader.submit(() -> platforms().get(platform.id()));
                    try {
                        // A store may block the reader until commit, or answer from the committed state.
                        assertThat(seen.get(200, TimeUnit.MILLISECONDS)).isEmpty();
                    } catch (TimeoutException blockedUntilCommit) {
                        seen.cancel(false);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return platform;
                });

                assertThat(reader.submit(() -> platforms().get(created.id())).get(10, TimeUnit.SECONDS))
                        .contains(created);
            } finally {
                reader.shutdownNow();
            }
        }
    }

    // ---------------------------------------------------------------- concurrency

    @Nested
    @DisplayName("Concurrency")
    class Concurrency {
        private static final int THREADS = 4;

        @Test
        @DisplayName("optimistic read-modify-write with retries loses no update")
        void noLostUpdates() throws Exception {
            Platform platform = platforms().create(Fixtures.withLabels(fixtures.platform(), Labels.of("counter", "0")));
            int perThread = 25;

            runConcurrently(() -> {
                for (int i = 0; i < perThread; i++) {
                    incrementCounter(platform.id());
                }
                return null;
            });

            Platform last = platforms().get(platform.id()).orElseThrow();
            assertThat(last.labels().get("counter")).containsExactly(String.valueOf(THREADS * perThread));
            assertThat(last.version()).isEqualTo(1 + THREADS * perThread);
        }

        private void incrementCounter(String id) {
            while (true) {
                Platform current = platforms().get(id).orElseThrow();
                int value = Integer.parseInt(current.labels().get("counter").get(0));
                try {
                    platforms().update(Fixtures.withLabels(current, Labels.of("counter", String.valueOf(value + 1))));
                    return;
                } catch (ConcurrentModificationException lost) {
                    Thread.onSpinWait(); // someone else won this round; read again
                }
            }
        }

        @Test
        @DisplayName("of concurrent creates with the same unique name exactly one wins")
        void oneUniqueWinner() throws Exception {
            List<Object> outcomes = runConcurrently(() -> {
                try {
                    return platforms().create(fixtures.platform("contended"));
                } catch (UniqueViolationException e) {
                    return e;
                }
            });

            assertThat(outcomes).filteredOn(Platform.class::isInstance).hasSize(1);
            assertThat(outcomes).filteredOn(UniqueViolationException.class::isInstance).hasSize(THREADS - 1);
            assertThat(platforms().count(Query.of(field("name", Operator.EQ, "contended")))).isEqualTo(1);
        }

        @Test
        @DisplayName("concurrent creates of different entities all arrive")
        void concurrentCreates() throws Exception {
            int perThread = 50;

            runConcurrently(() -> {
                for (int i = 0; i < perThread; i++) {
                    platforms().create(fixtures.platform());
                }
                return null;
            });

            Page<Platform> page = platforms().list(Query.all(), PageRequest.unbounded());
            assertThat(page.totalItems()).isEqualTo(THREADS * perThread);
            assertThat(ids(page)).doesNotHaveDuplicates().hasSize(THREADS * perThread);
        }

        /** Runs {@code task} on {@link #THREADS} threads released at once; returns their results. */
        private <R> List<R> runConcurrently(Callable<R> task) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<R>> futures = new ArrayList<>();
                for (int i = 0; i < THREADS; i++) {
                    futures.add(pool.submit(() -> {
                        start.await();
                        return task.call();
                    }));
                }
                start.countDown();
                List<R> results = new ArrayList<>();
                for (Future<R> future : futures) {
                    results.add(future.get(30, TimeUnit.SECONDS));
                }
                return results;
            } finally {
                pool.shutdownNow();
            }
        }
    }

    // ---------------------------------------------------------------- change revision

    @Nested
    @DisplayName("Change revision")
    class ChangeRevision {

        /** One stored entity of every registry type, parents first. */
        private List<Entity> storedRegistry() {
            Platform platform = platforms().create(fixtures.platform("cf"));
            ServicePlan plan = storedPlan();
            ServiceOffering offering = offerings().get(plan.serviceOfferingId()).orElseThrow();
            ServiceBroker broker = brokers().get(offering.brokerId()).orElseThrow();
            Visibility visibility = visibilities().create(fixtures.visibility(platform.id(), plan.id()));
            return List.of(platform, broker, offering, plan, visibility);
        }

        private void assertGrows(String write, Runnable work) {
            long before = store.changeRevision();
            work.run();
            assertThat(store.changeRevision()).as("the revision after " + write).isGreaterThan(before);
        }

        @SuppressWarnings("unchecked")
        private <T extends Entity> Repository<T> repositoryOf(T entity) {
            return (Repository<T>) store.repository(EntityTypes.REGISTRY.stream()
                    .filter(type -> type.javaType().isInstance(entity)).findFirst().orElseThrow());
        }

        @Test
        @DisplayName("it is never negative, and a fresh store's reads leave it as it is")
        void startsSteady() {
            long start = store.changeRevision();

            assertThat(start).isNotNegative();
            assertThat(store.changeRevision()).isEqualTo(start);
        }

        @Test
        @DisplayName("creating an entity of any registry type grows it")
        void createGrows() {
            Platform platform = fixtures.platform("cf");
            ServiceBroker broker = fixtures.broker("mysql");
            ServiceOffering offering = fixtures.offering(broker.id());
            ServicePlan plan = fixtures.plan(offering.id());
            Visibility visibility = fixtures.visibility(platform.id(), plan.id());

            assertGrows("a platform create", () -> platforms().create(platform));
            assertGrows("a broker create", () -> brokers().create(broker));
            assertGrows("an offering create", () -> offerings().create(offering));
            assertGrows("a plan create", () -> plans().create(plan));
            assertGrows("a visibility create", () -> visibilities().create(visibility));
        }

        @Test
        @DisplayName("updating an entity of any registry type (its labels, say) grows it")
        void updateGrows() {
            for (Entity entity : storedRegistry()) {
                assertGrows("an update of " + entity.getClass().getSimpleName(),
                        () -> repositoryOf(entity).update(Fixtures.withLabels(entity, Labels.of("env", "prod"))));
            }
        }

        @Test
        @DisplayName("deleting an entity of any registry type grows it")
        void deleteGrows() {
            List<Entity> children = new ArrayList<>(storedRegistry());
            Collections.reverse(children);
            for (Entity entity : children) {
                assertGrows("a delete of " + entity.getClass().getSimpleName(),
                        () -> assertThat(repositoryOf(entity).delete(entity.id())).isTrue());
            }
        }

        @Test
        @DisplayName("deleting by query from any registry type grows it")
        void deleteAllGrows() {
            List<Entity> children = new ArrayList<>(storedRegistry());
            Collections.reverse(children);
            for (Entity entity : children) {
                assertGrows("a deleteAll of " + entity.getClass().getSimpleName(),
                        () -> assertThat(repositoryOf(entity).deleteAll(Query.all())).isEqualTo(1));
            }
        }

        @Test
        @DisplayName("reads leave it as it is")
        void readsKeep() {
            List<Entity> stored = storedRegistry();
            long before = store.changeRevision();

            for (Entity entity : stored) {
                repositoryOf(entity).get(entity.id());
                repositoryOf(entity).list(Query.all(), PageRequest.unbounded());
                repositoryOf(entity).count(Query.all());
            }

            assertThat(store.changeRevision()).isEqualTo(before);
        }

        @Test
        @DisplayName("creating, updating and deleting service instances and bindings leaves it as it is")
        void instancesAndBindingsKeep() {
            Platform platform = platforms().create(fixtures.platform("cf"));
            ServicePlan plan = storedPlan();
            long before = store.changeRevision();

            ServiceInstance instance = instances().create(fixtures.instance(plan.id(), platform.id()));
            instance = instances().update(Fixtures.withLabels(instance, Labels.of("env", "prod")));
            ServiceBinding binding = bindings().create(fixtures.binding(instance.id(), platform.id()));
            bindings().update(Fixtures.withLabels(binding, Labels.of("env", "prod")));
            bindings().delete(binding.id());
            instances().delete(instance.id());

            assertThat(store.changeRevision()).isEqualTo(before);
        }

        @Test
        @DisplayName("a committed transaction of registry writes grows it")
        void transactionGrows() {
            assertGrows("a transaction", () -> store.inTransaction(tx -> {
                tx.repository(EntityTypes.PLATFORMS).create(fixtures.platform("cf"));
                return tx.repository(EntityTypes.SERVICE_BROKERS).create(fixtures.broker("mysql"));
            }));
        }

        @Test
        @DisplayName("a rolled-back transaction leaves the data as it was and the revision no lower")
        void rollbackNeverShrinks() {
            Platform platform = platforms().create(fixtures.platform("cf"));
            long before = store.changeRevision();

            catchThrowable(() -> store.inTransaction(tx -> {
                tx.repository(EntityTypes.PLATFORMS).create(fixtures.platform("k8s"));
                tx.repository(EntityTypes.PLATFORMS).update(Fixtures.withLabels(platform, Labels.of("env", "prod")));
                throw new IllegalStateException("boom");
            }));

            assertThat(all(platforms())).containsExactly(platform);
            assertThat(store.changeRevision()).isGreaterThanOrEqualTo(before);
        }
    }

    // ---------------------------------------------------------------- notifications

    @Nested
    @DisplayName("Notifications")
    class Notifications {
        private static final String BROKERS = "/v1/service_brokers";
        private static final String VISIBILITIES = "/v1/visibilities";

        private NotificationLog log() {
            return store.notifications();
        }

        /** A notification not yet stored (revision zero), created at the fixtures' next time. */
        private Notification notification(String platformId) {
            return new Notification(Fixtures.newId(), platformId == null ? BROKERS : VISIBILITIES,
                    NotificationType.CREATED, platformId, 0, "{\"new\":{\"resource\":{\"id\":\"" + Fixtures.newId() + "\"}}}",
                    "correlation-" + Fixtures.newId(), fixtures.tick());
        }

        private Notification appended(String platformId) {
            return log().append(notification(platformId));
        }

        private List<Long> revisions(List<Notification> notifications) {
            return notifications.stream().map(Notification::revision).toList();
        }

        @Test
        @DisplayName("a fresh store has no notifications, a newest revision of zero and nothing removed")
        void startsEmpty() {
            assertThat(log().after(0, null, 10)).isEmpty();
            assertThat(log().countAfter(0, null, 10)).isZero();
            assertThat(log().newestRevision()).isZero();
            assertThat(log().removedThrough()).isZero();
        }

        @Test
        @DisplayName("every append gets a revision greater than all before it, and the newest revision follows")
        void revisionsIncrease() {
            long previous = log().newestRevision();
            for (int i = 0; i < 5; i++) {
                Notification stored = appended(i % 2 == 0 ? null : "p1");

                assertThat(stored.revision()).isGreaterThan(previous);
                assertThat(log().newestRevision()).isEqualTo(stored.revision());
                previous = stored.revision();
            }
        }

        @Test
        @DisplayName("append returns the notification as given, with only the revision assigned")
        void appendReturnsStored() {
            Notification given = notification("p1");

            Notification stored = log().append(given);

            assertThat(stored).isEqualTo(given.withRevision(stored.revision()));
            assertThat(log().after(0, null, 10)).containsExactly(stored);
        }

        @Test
        @DisplayName("payload, correlation id, platform and creation time come back exactly, unicode and nulls included")
        void roundTrip() {
            Instant createdAt = Instant.parse("2026-11-29T08:00:00.123456Z");
            String payload = "{\"new\":{\"resource\":{\"name\":\"Grüße, 世界 🚀 \\\"quoted\\\" \\\\ back\"},"
                    + "\"additional\":{}},\"label_changes\":[{\"op\":\"add\",\"key\":\"k\",\"values\":[\"ü\"]}]}";
            Notification withNulls = new Notification(Fixtures.newId(), BROKERS, NotificationType.DELETED, null, 0,
                    payload, null, createdAt);
            Notification withPlatform = new Notification(Fixtures.newId(), VISIBILITIES, NotificationType.MODIFIED,
                    "p-ü", 0, "{}", "c-😀", createdAt.plusNanos(1000));

            Notification first = log().append(withNulls);
            Notification second = log().append(withPlatform);

            assertThat(log().after(0, null, 10)).containsExactly(
                    withNulls.withRevision(first.revision()), withPlatform.withRevision(second.revision()));
        }

        @Test
        @DisplayName("after a revision, a platform gets its own notifications and those for every platform, in revision order")
        void afterFiltersByPlatform() {
            Notification all1 = appended(null);
            Notification own1 = appended("p1");
            appended("p2");
            Notification own2 = appended("p1");
            Notification all2 = appended(null);
            appended("p2");

            assertThat(log().after(0, "p1", 100)).containsExactly(all1, own1, own2, all2);
            assertThat(log().after(own1.revision(), "p1", 100)).containsExactly(own2, all2);
            assertThat(log().after(0, "p3", 100)).containsExactly(all1, all2);
        }

        @Test
        @DisplayName("after a revision without a platform, every notification comes, in revision order")
        void afterWithoutPlatformGivesAll() {
            List<Notification> appended = List.of(appended("p1"), appended(null), appended("p2"));

            assertThat(log().after(0, null, 100)).containsExactlyElementsOf(appended);
            assertThat(log().after(appended.get(2).revision(), null, 100)).isEmpty();
        }

        @Test
        @DisplayName("after returns at most the limit, the lowest revisions first")
        void afterHonoursLimit() {
            List<Notification> appended = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                appended.add(appended(i % 2 == 0 ? "p1" : null));
            }

            assertThat(log().after(0, null, 2)).containsExactlyElementsOf(appended.subList(0, 2));
            assertThat(log().after(appended.get(1).revision(), "p1", 2))
                    .containsExactlyElementsOf(appended.subList(2, 4));
            assertThat(log().after(0, null, 0)).isEmpty();
        }

        @Test
        @DisplayName("a negative limit, cap or connection count is refused, naming the value")
        void negativeRefused() {
            assertThatThrownBy(() -> log().after(0, null, -1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
            assertThatThrownBy(() -> log().countAfter(0, null, -2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-2");
            assertThatThrownBy(() -> log().removeCreatedBefore(Instant.now(), -3))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-3");
            assertThatThrownBy(() -> log().recordConnections("p1", "node-a", -4, Instant.now()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-4");
        }

        @Test
        @DisplayName("countAfter counts what after would return, and at most the cap")
        void countAfterWithCap() {
            Notification first = appended(null);
            appended("p1");
            appended("p2");
            appended(null);

            assertThat(log().countAfter(0, null, 100)).isEqualTo(4);
            assertThat(log().countAfter(0, "p1", 100)).isEqualTo(3);
            assertThat(log().countAfter(first.revision(), "p2", 100)).isEqualTo(2);
            assertThat(log().countAfter(0, null, 2)).isEqualTo(2);
            assertThat(log().countAfter(0, "p1", 0)).isZero();
        }

        @Test
        @DisplayName("an append in a transaction that throws is not kept, and the newest revision stays")
        void rolledBackAppendVanishes() {
            Notification kept = appended(null);
            RuntimeException failure = new IllegalStateException("boom");

            Throwable thrown = catchThrowable(() -> store.inTransaction(tx -> {
                tx.notifications().append(notification(null));
                tx.notifications().append(notification("p1"));
                throw failure;
            }));

            assertThat(thrown).isSameAs(failure);
            assertThat(log().after(0, null, 10)).containsExactly(kept);
            assertThat(log().newestRevision()).isEqualTo(kept.revision());
            assertThat(log().countAfter(kept.revision(), null, 10)).isZero();
        }

        @Test
        @DisplayName("an append in a nested transaction that throws is undone, while the outer one's append commits")
        void nestedRollbackUndoesAppend() {
            Notification outerAppend = store.inTransaction(outer -> {
                Notification stored = outer.notifications().append(notification(null));
                assertThatThrownBy(() -> outer.inTransaction(inner -> {
                    inner.notifications().append(notification("p1"));
                    throw new IllegalStateException("boom");
                })).hasMessage("boom");
                return stored;
            });

            assertThat(log().after(0, null, 10)).containsExactly(outerAppend);
            assertThat(log().newestRevision()).isEqualTo(outerAppend.revision());
        }

        @Test
        @DisplayName("appends in a committed transaction are kept with the transaction's other writes")
        void committedTransactionKeepsAppends() {
            List<Notification> stored = store.inTransaction(tx -> {
                tx.repository(EntityTypes.SERVICE_BROKERS).create(fixtures.broker("mysql"));
                return List.of(tx.notifications().append(notification(null)), tx.notifications().append(notification("p1")));
            });

            assertThat(log().after(0, null, 10)).containsExactlyElementsOf(stored);
            assertThat(brokers().count(Query.all())).isEqualTo(1);
        }

        @Test
        @DisplayName("after a rolled-back append, the next one still gets a revision above every committed one")
        void revisionAfterRollbackStillGrows() {
            Notification before = appended(null);
            catchThrowable(() -> store.inTransaction(tx -> {
                tx.notifications().append(notification(null));
                throw new IllegalStateException("boom");
            }));

            Notification after = appended(null);

            assertThat(after.revision()).isGreaterThan(before.revision());
            assertThat(log().after(before.revision(), null, 10)).containsExactly(after);
            assertThat(revisions(log().after(0, null, 10))).doesNotHaveDuplicates().isSorted();
        }

        @Test
        @DisplayName("a reader polling after the last revision it saw misses none of the appends that concurrent transactions commit")
        void pollerMissesNone() throws Exception {
            int writers = 4;
            int transactionsEach = 15;
            List<Notification> committed = Collections.synchronizedList(new ArrayList<>());
            ExecutorService executor = Executors.newFixedThreadPool(writers + 1);
            try {
                List<Future<?>> writing = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    String platformId = "p" + w;
                    writing.add(executor.submit(() -> {
                        for (int t = 0; t < transactionsEach; t++) {
                            boolean fail = t % 5 == 4;
                            try {
                                committed.addAll(store.inTransaction(tx -> {
                                    List<Notification> stored = List.of(tx.notifications().append(notification(null)),
                                            tx.notifications().append(notification(platformId)));
                                    if (fail) {
                                        throw new IllegalStateException("rolled back on purpose");
                                    }
                                    return stored;
                                }));
                            } catch (IllegalStateException expected) {
                                assertThat(fail).isTrue();
                            }
                        }
                        return null;
                    }));
                }
                Future<List<Notification>> polling = executor.submit(() -> {
                    List<Notification> seen = new ArrayList<>();
                    long last = 0;
                    while (true) {
                        boolean writersDone = writing.stream().allMatch(Future::isDone);
                        List<Notification> batch = log().after(last, null, 7);
                        for (Notification notification : batch) {
                            assertThat(notification.revision()).isGreaterThan(last);
                            last = notification.revision();
                            seen.add(notification);
                        }
                        if (batch.isEmpty() && writersDone) {
                            return seen;
                        }
                    }
                });
                for (Future<?> writer : writing) {
                    writer.get(60, TimeUnit.SECONDS);
                }
                List<Notification> seen = polling.get(60, TimeUnit.SECONDS);

                assertThat(committed).hasSize(writers * (transactionsEach - transactionsEach / 5) * 2);
                assertThat(seen).containsExactlyInAnyOrderElementsOf(committed);
            } finally {
                executor.shutdownNow();
            }
        }

        @Test
        @DisplayName("removeCreatedBefore removes only notifications created before the cutoff, oldest first, at most the limit")
        void removeOldestFirst() {
            appended("p1");
            appended(null);
            Notification old3 = appended("p2");
            Instant cutoff = fixtures.now();
            Notification young = appended(null);

            assertThat(log().removeCreatedBefore(cutoff, 2)).isEqualTo(2);
            assertThat(log().after(0, null, 10)).containsExactly(old3, young);

            assertThat(log().removeCreatedBefore(cutoff, 10)).isEqualTo(1);
            assertThat(log().after(0, null, 10)).containsExactly(young);

            assertThat(log().removeCreatedBefore(cutoff, 10)).isZero();
            assertThat(log().after(0, null, 10)).containsExactly(young);
        }

        @Test
        @DisplayName("the newest revision stays when its notification is removed")
        void newestSurvivesRemoval() {
            appended(null);
            Notification newest = appended("p1");

            assertThat(log().removeCreatedBefore(fixtures.now(), 10)).isEqualTo(2);

            assertThat(log().after(0, null, 10)).isEmpty();
            assertThat(log().newestRevision()).isEqualTo(newest.revision());
            assertThat(appended(null).revision()).isGreaterThan(newest.revision());
        }

        @Test
        @DisplayName("removedThrough grows to the greatest revision removed")
        void removedThroughGrows() {
            Notification first = appended(null);
            Notification second = appended(null);
            Instant cutoff = fixtures.now();
            Notification young = appended(null);

            log().removeCreatedBefore(cutoff, 1);
            assertThat(log().removedThrough()).isEqualTo(first.revision());

            log().removeCreatedBefore(cutoff, 10);
            assertThat(log().removedThrough()).isEqualTo(second.revision());

            log().removeCreatedBefore(cutoff, 10);
            assertThat(log().removedThrough()).isEqualTo(second.revision()).isLessThan(young.revision());
        }

        @Test
        @DisplayName("a platform whose fresh record has open connections is active, since the latest time recorded")
        void activeWhenFreshAndOpen() {
            Instant now = Instant.parse("2026-11-29T08:00:00Z");
            log().recordConnections("p1", "node-a", 2, now);
            log().recordConnections("p1", "node-b", 0, now.plusSeconds(5));

            Map<String, NotificationLog.PlatformActivity> activity = log().activity(List.of("p1"), now.minusSeconds(60));

            assertThat(activity).containsExactly(
                    Map.entry("p1", new NotificationLog.PlatformActivity(true, now.plusSeconds(5))));
        }

        @Test
        @DisplayName("a platform whose records say no connection, or are stale, is not active but keeps its last time")
        void inactiveWhenClosedOrStale() {
            Instant now = Instant.parse("2026-11-29T08:00:00Z");
            log().recordConnections("closed", "node-a", 3, now.minusSeconds(10));
            log().recordConnections("closed", "node-a", 0, now);
            log().recordConnections("stale", "node-a", 4, now.minusSeconds(120));

            Map<String, NotificationLog.PlatformActivity> activity =
                    log().activity(List.of("closed", "stale"), now.minusSeconds(60));

            assertThat(activity).containsOnly(
                    Map.entry("closed", new NotificationLog.PlatformActivity(false, now)),
                    Map.entry("stale", new NotificationLog.PlatformActivity(false, now.minusSeconds(120))));
        }

        @Test
        @DisplayName("platforms that never had a connection recorded are absent from the activity")
        void absentPlatformsAbsent() {
            Instant now = Instant.parse("2026-11-29T08:00:00Z");
            log().recordConnections("p1", "node-a", 1, now);

            assertThat(log().activity(List.of("p2", "p3"), now.minusSeconds(60))).isEmpty();
            assertThat(log().activity(List.of(), now.minusSeconds(60))).isEmpty();
            assertThat(log().activity(List.of("p1", "p2"), now.minusSeconds(60))).containsOnlyKeys("p1");
        }

        @Test
        @DisplayName("notifications, the newest revision and what was removed survive reopening a persistent store")
        void survivesReopen() {
            Notification removed = appended(null);
            Instant cutoff = fixtures.now();
            Notification kept = appended("p1");
            log().removeCreatedBefore(cutoff, 10);
            Store reopened = reopenStore();
            assumeTrue(reopened != null, "the store keeps nothing across a close");
            store = reopened;

            assertThat(log().after(0, null, 10)).containsExactly(kept);
            assertThat(log().newestRevision()).isEqualTo(kept.revision());
            assertThat(log().removedThrough()).isEqualTo(removed.revision());
            assertThat(appended(null).revision()).isGreaterThan(kept.revision());
        }
    }

    // ---------------------------------------------------------------- lifecycle

    @Nested
    @DisplayName("Lifecycle")
    class Lifecycle {

        @Test
        @DisplayName("an open store answers ping")
        void ping() {
            assertThatCode(store::ping).doesNotThrowAnyException();
        }

        @Test
        @DisplayName("closing a store twice is harmless")
        void closeTwice() {
            store.close();

            assertThatCode(store::close).doesNotThrowAnyException();
        }

        @Test
        @DisplayName("a store does not claim to be clustered unless it supports persistence")
        void capabilities() {
            assertThat(!store.isClustered() || store.supportsPersistence()).isTrue();
        }
    }
}
