package org.servicemanager.storage.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.ExistingReferenceException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.ReferenceViolationException;
import org.servicemanager.api.UniqueViolationException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Criterion.LabelCriterion;
import org.servicemanager.api.query.Page;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Reference;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.UniqueKey;

/**
 * One type's repository over its table. Constraints are checked with queries first, inside the
 * write's transaction, so that a violation is reported with the memory store's message; the
 * database's own constraints still stand behind them for races between nodes, and their errors are
 * mapped to the same exceptions. Thread-safe: all state is in the database.
 */
public final class JdbcRepository<T extends Entity> implements Repository<T> {
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String FOREIGN_KEY_VIOLATION = "23503";
    /** H2's state for a reference to a missing parent (PostgreSQL uses {@link #FOREIGN_KEY_VIOLATION} for both). */
    private static final String PARENT_MISSING = "23506";
    /** How many blocking entities an {@link ExistingReferenceException} names before summarising. */
    private static final int LISTED_BLOCKERS = 10;
    /** Ids per {@code IN} list when reading labels: well below every driver's parameter limit. */
    private static final int LABEL_BATCH = 500;

    private final Database database;
    private final TableMapping<T> mapping;
    private final EntityType<T> type;
    private final String insertSql;
    private final String updateSql;
    /** Whether writes grow the change revision: see {@code EntityTypes.REGISTRY}. */
    private final boolean registry;

    private JdbcRepository(Database database, TableMapping<T> mapping) {
        this.database = database;
        this.mapping = mapping;
        this.type = mapping.type();
        this.registry = EntityTypes.REGISTRY.contains(type);
        List<String> names = new ArrayList<>();
        List<String> assignments = new ArrayList<>();
        for (TableMapping.Column<T> column : mapping.columns()) {
            names.add(column.name());
            if (!column.name().equals("id")) {
                assignments.add(column.name() + " = ?");
            }
        }
        this.insertSql = "INSERT INTO " + mapping.table() + " (" + String.join(", ", names) + ", version) VALUES ("
                + "?, ".repeat(names.size()) + "?)";
        this.updateSql = "UPDATE " + mapping.table() + " SET " + String.join(", ", assignments)
                + ", version = ? WHERE id = ? AND version = ?";
    }

    /** The repository of {@code type}, or empty if the JDBC store has no table for it. */
    public static <T extends Entity> Optional<Repository<T>> of(Database database, EntityType<T> type) {
        return Mappings.of(type).map(mapping -> new JdbcRepository<>(database, mapping));
    }

    @Override
    public EntityType<T> type() {
        return type;
    }

    @Override
    public T create(T entity) {
        requireStorable(entity);
        T stored = type.withVersion(entity, 1);
        return database.write(c -> {
            bumpIfRegistry(c);
            // No reads first: the primary key, the unique keys and the foreign keys refuse what the
            // checks of update() would, and translateWrite names the same exception. An insert is
            // the hot path of every provision and bind (three or four reads fewer each).
            try (PreparedStatement insert = c.prepareStatement(insertSql)) {
                int i = bindColumns(insert, stored, false);
                insert.setLong(i, 1);
                insert.executeUpdate();
            }
            insertLabels(c, stored);
            return stored;
        }, e -> translateWrite(e, stored));
    }

    @Override
    public Optional<T> get(String id) {
        return byId(id, true);
    }

    @Override
    public Optional<T> getWithoutLabels(String id) {
        return byId(id, false);
    }

    private Optional<T> byId(String id, boolean withLabels) {
        Objects.requireNonNull(id, "id");
        return database.read(c -> {
            Sql sql = new Sql("SELECT " + mapping.columnList() + " FROM " + mapping.table() + " WHERE id = ").param(id);
            List<T> found = select(c, sql, withLabels);
            return found.isEmpty() ? Optional.<T>empty() : Optional.of(found.get(0));
        }, Database::unexpected);
    }

    /** How many matches make a label-driven walk cheaper than collecting and sorting them all. */
    private static final long WALK_MIN_MATCHES = 500;

    @Override
    public Page<T> list(Query query, PageRequest page) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(page, "page");
        Sql where = Criteria.where(mapping, "e", query);
        boolean postgres = database.dialect() == org.servicemanager.storage.jdbc.Dialect.POSTGRESQL;
        Optional<LabelCriterion> driver = Criteria.pageDriver(query);
        Query rest = driver.isPresent() ? without(query, driver.get()) : query;
        return database.read(c -> {
            if (postgres && driver.isPresent() && !rest.isEmpty()) {
                // A label with further criteria (a tenant's label and the caller's query): how many rows
                // match depends on the values far more than a generic plan of the prepared statement
                // assumes (a tenant's own plans are used by that tenant alone), so PostgreSQL plans
                // these statements for their values (measured: a count of 10,000 matches took 59 ms
                // with the generic plan, 15 ms with its own).
                try (Statement statement = c.createStatement()) {
                    statement.execute("SET LOCAL plan_cache_mode = force_custom_plan");
                }
            }
            long total = count(c, query, where);
            if (total == 0) {
                // An empty page (most scans for due work) costs the count alone.
                return new Page<T>(List.of(), 0, false);
            }
            if (database.dialect() == org.servicemanager.storage.jdbc.Dialect.POSTGRESQL) {
                // A page is a short index walk; starting parallel workers for it costs more than it
                // saves (measured: 25 ms instead of 10 ms on a 1,000,000-row table).
                try (Statement statement = c.createStatement()) {
                    statement.execute("SET LOCAL max_parallel_workers_per_gather = 0");
                }
            }
            Sql sql;
            String order;
            if (driver.isPresent() && !rest.isEmpty() && postgres && total > WALK_MIN_MATCHES) {
                // The label drives and other criteria (a tenant's label with the caller's field query)
                // filter, and many rows match: each label row in list order is checked against its
                // entity until a page is full, which with many matches ends soon. OFFSET 0 keeps
                // PostgreSQL from flattening the check into a join that collects every match and sorts
                // them, which it prefers when it takes the criteria to be independent; a tenant's own
                // plans are used by that tenant alone, so they are not (measured: 95 ms for the join,
                // 4.5 ms for the walk, 10,000 matches). With few matches the walk would pass most of
                // the label's rows (36 ms for one match of 10,000), and the join below is the better
                // plan: PostgreSQL then starts from the selective criterion (0.05 ms).
                sql = new Sql("SELECT " + prefixed("e") + " FROM " + mapping.labelsTable() + " l CROSS JOIN LATERAL "
                        + "(SELECT * FROM " + mapping.table() + " m WHERE m.id = l.entity_id AND ")
                        .append(Criteria.where(mapping, "m", rest)).append(" OFFSET 0) e WHERE l.label_key = ")
                        .param(driver.get().key()).append(" AND l.label_value = ").param(driver.get().values().get(0));
                order = "l";
            } else if (driver.isPresent()) {
                // Read the page from the label index in list order (its rows carry created_at) and stop
                // after a page, instead of collecting every entity that holds the label and sorting.
                sql = new Sql("SELECT " + prefixed("e") + " FROM " + mapping.labelsTable() + " l JOIN "
                        + mapping.table() + " e ON e.id = l.entity_id WHERE l.label_key = ")
                        .param(driver.get().key()).append(" AND l.label_value = ").param(driver.get().values().get(0))
                        // The driving label is already the join; repeating it as EXISTS misleads the planner
                        // into collecting and sorting every match (measured: 37 ms instead of 0.2 ms).
                        .append(" AND ").append(Criteria.where(mapping, "e", rest));
                order = "l";
            } else {
                sql = new Sql("SELECT " + prefixed("e") + " FROM " + mapping.table() + " e WHERE ").append(where);
                order = "e";
            }
            String position = order.equals("l") ? "(l.created_at, l.entity_id)" : "(e.created_at, e.id)";
            if (page.after() != null) {
                // A row value comparison, answered from the (created_at, id) index of the driving table.
                sql.append(" AND " + position + " > (").param(page.after().createdAt()).append(", ")
                        .param(page.after().id()).append(")");
            }
            sql.append(order.equals("l") ? " ORDER BY l.created_at, l.entity_id" : " ORDER BY e.created_at, e.id");
            boolean bounded = page.maxItems() < Integer.MAX_VALUE;
            if (bounded) {
                sql.append(" LIMIT ").param(page.maxItems() + 1L);
            }
            List<T> items = select(c, sql, true);
            boolean hasMore = bounded && items.size() > page.maxItems();
            return new Page<>(hasMore ? items.subList(0, page.maxItems()) : items, total, hasMore);
        }, Database::unexpected);
    }

    private static Query without(Query query, Criterion criterion) {
        List<Criterion> rest = new java.util.ArrayList<>(query.criteria());
        rest.remove(criterion);
        return new Query(rest);
    }

    @Override
    public long count(Query query) {
        Objects.requireNonNull(query, "query");
        Sql where = Criteria.where(mapping, "e", query);
        return database.read(c -> count(c, query, where), Database::unexpected);
    }

    @Override
    public T update(T entity) {
        requireStorable(entity);
        return database.write(c -> {
            bumpIfRegistry(c);
            // The lock also reads what spares statements later: the stored references (only changed
            // ones are checked) and whether any labels are stored (none stored, none given: nothing to replace).
            StringBuilder columns = new StringBuilder("version");
            for (Reference reference : type.references()) {
                columns.append(", ").append(reference.field());
            }
            columns.append(", EXISTS (SELECT 1 FROM ").append(mapping.labelsTable())
                    .append(" l WHERE l.entity_id = t.id)");
            Sql lock = new Sql("SELECT " + columns + " FROM " + mapping.table() + " t WHERE t.id = ")
                    .param(entity.id()).append(" FOR UPDATE");
            long storedVersion;
            List<Object> storedReferences = new ArrayList<>();
            boolean storedLabels;
            try (PreparedStatement statement = lock.prepare(c); ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    throw new NotFoundException(Messages.notFound(type, entity.id()));
                }
                storedVersion = rs.getLong(1);
                int column = 2;
                for (int r = 0; r < type.references().size(); r++) {
                    storedReferences.add(rs.getObject(column++));
                }
                storedLabels = rs.getBoolean(column);
            }
            if (storedVersion != entity.version()) {
                throw stale(entity, storedVersion);
            }
            T updated = type.withVersion(entity, storedVersion + 1);
            checkUniqueKeys(c, updated);
            checkReferences(c, updated, storedReferences);
            try (PreparedStatement update = c.prepareStatement(updateSql)) {
                int i = bindColumns(update, updated, true);
                update.setLong(i++, updated.version());
                update.setString(i++, updated.id());
                update.setLong(i, storedVersion);
                if (update.executeUpdate() != 1) {
                    throw stale(entity, storedVersion + 1);
                }
            }
            if (storedLabels) {
                try (PreparedStatement delete = c.prepareStatement(
                        "DELETE FROM " + mapping.labelsTable() + " WHERE entity_id = ?")) {
                    delete.setString(1, updated.id());
                    delete.executeUpdate();
                }
            }
            insertLabels(c, updated);
            return updated;
        }, e -> translateWrite(e, entity));
    }

    @Override
    public boolean delete(String id) {
        Objects.requireNonNull(id, "id");
        return database.write(c -> {
            if (!exists(c, id)) {
                return false;
            }
            bumpIfRegistry(c);
            Sql roots = new Sql("SELECT r.id FROM " + mapping.table() + " r WHERE r.id = ").param(id);
            checkNoBlockers(c, roots, () -> type.singular() + " '" + id + "'");
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + mapping.table() + " WHERE id = ?")) {
                delete.setString(1, id);
                delete.executeUpdate();
            }
            return true;
        }, e -> translateDelete(e, type.singular() + " '" + id + "'"));
    }

    @Override
    public int deleteAll(Query query) {
        Objects.requireNonNull(query, "query");
        Sql where = Criteria.where(mapping, "r", query);
        return database.write(c -> {
            bumpIfRegistry(c);
            Sql roots = new Sql("SELECT r.id FROM " + mapping.table() + " r WHERE ").append(where);
            checkNoBlockers(c, roots, () -> subjectOf(c, where));
            Sql delete = new Sql("DELETE FROM " + mapping.table() + " WHERE id IN (").append(roots).append(")");
            try (PreparedStatement statement = delete.prepare(c)) {
                return statement.executeUpdate();
            }
        }, e -> translateDelete(e, type.name()));
    }

    /** Cascades only ever run from a registry type into registry types, so the root's type decides. */
    private void bumpIfRegistry(Connection c) throws SQLException {
        if (registry) {
            Database.bumpChangeRevision(c);
        }
    }

    // ---------------------------------------------------------------- reading

    private String prefixed(String alias) {
        return alias + "." + mapping.columnList().replace(", ", ", " + alias + ".");
    }

    private long count(Connection c, Query query, Sql where) throws SQLException {
        Sql sql = Criteria.labelOnlyCount(mapping, query)
                .orElseGet(() -> new Sql("SELECT COUNT(*) FROM " + mapping.table() + " e WHERE ").append(where));
        try (PreparedStatement statement = sql.prepare(c); ResultSet rs = statement.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private boolean exists(Connection c, String id) throws SQLException {
        try (PreparedStatement statement = c.prepareStatement(
                "SELECT 1 FROM " + mapping.table() + " WHERE id = ?")) {
            statement.setString(1, id);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The entities {@code sql} selects, in its order, with their labels. */
    /** The entities {@code sql} selects; without their labels (read as none) unless {@code withLabels}. */
    private List<T> select(Connection c, Sql sql, boolean withLabels) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement statement = sql.prepare(c); ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                rows.add(Row.copy(rs, mapping.columns()));
            }
        }
        Map<String, Map<String, List<String>>> labels = withLabels ? labelsOf(c, rows) : Map.of();
        List<T> entities = new ArrayList<>(rows.size());
        for (Row row : rows) {
            Map<String, List<String>> own = labels.get(row.id());
            entities.add(mapping.read(row, own == null ? Labels.empty() : Labels.of(own)));
        }
        return entities;
    }

    private Map<String, Map<String, List<String>>> labelsOf(Connection c, List<Row> rows) throws SQLException {
        Map<String, Map<String, List<String>>> labels = new LinkedHashMap<>();
        for (int from = 0; from < rows.size(); from += LABEL_BATCH) {
            List<String> ids = new ArrayList<>();
            for (Row row : rows.subList(from, Math.min(rows.size(), from + LABEL_BATCH))) {
                ids.add(row.id());
            }
            Sql sql = new Sql("SELECT entity_id, label_key, label_value FROM " + mapping.labelsTable()
                    + " WHERE entity_id IN ").params(ids).append(" ORDER BY entity_id, label_key, ord");
            try (PreparedStatement statement = sql.prepare(c); ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    labels.computeIfAbsent(rs.getString(1), id -> new TreeMap<>())
                            .computeIfAbsent(rs.getString(2), key -> new ArrayList<>()).add(rs.getString(3));
                }
            }
        }
        return labels;
    }

    // ---------------------------------------------------------------- writing

    /** Binds every column (but {@code id} when updating); returns the next parameter index. */
    private int bindColumns(PreparedStatement statement, T entity, boolean skipId) throws SQLException {
        int i = 1;
        for (TableMapping.Column<T> column : mapping.columns()) {
            if (skipId && column.name().equals("id")) {
                continue;
            }
            column.kind().bind(statement, i++, column.getter().apply(entity));
        }
        return i;
    }

    private void insertLabels(Connection c, T entity) throws SQLException {
        if (entity.labels().isEmpty()) {
            return;
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + mapping.labelsTable()
                + " (entity_id, label_key, label_value, ord, created_at) VALUES (?, ?, ?, ?, ?)")) {
            for (Map.Entry<String, List<String>> label : entity.labels().asMap().entrySet()) {
                int ord = 0;
                for (String value : label.getValue()) {
                    insert.setString(1, entity.id());
                    insert.setString(2, label.getKey());
                    insert.setString(3, value);
                    insert.setInt(4, ord++);
                    // The entity's position in list order, so label pages can be read in that order.
                    Kind.TIMESTAMP.bind(insert, 5, entity.createdAt());
                    insert.addBatch();
                }
            }
            insert.executeBatch();
        }
    }

    private void checkUniqueKeys(Connection c, T entity) throws SQLException {
        for (UniqueKey key : type.uniqueKeys()) {
            Sql sql = new Sql("SELECT id FROM " + mapping.table() + " WHERE ");
            for (int i = 0; i < key.fields().size(); i++) {
                String field = key.fields().get(i);
                Object value = type.fields().get(field).get(entity);
                sql.append(i == 0 ? "" : " AND ");
                if (value == null) {
                    sql.append(field + " IS NULL");
                } else {
                    sql.append(field + " = ").param(value);
                }
            }
            sql.append(" AND id <> ").param(entity.id());
            try (PreparedStatement statement = sql.prepare(c); ResultSet rs = statement.executeQuery()) {
                if (rs.next()) {
                    throw keyTaken(key, entity);
                }
            }
        }
    }

    /** Checks that the references of {@code entity} point somewhere, skipping those equal to {@code stored} (in order). */
    private void checkReferences(Connection c, T entity, List<Object> stored) throws SQLException {
        for (int r = 0; r < type.references().size(); r++) {
            Reference reference = type.references().get(r);
            Object target = type.fields().get(reference.field()).get(entity);
            if (target == null || (stored.get(r) != null && stored.get(r).toString().equals(target.toString()))) {
                continue;
            }
            try (PreparedStatement statement = c.prepareStatement(
                    "SELECT 1 FROM " + reference.target() + " WHERE id = ?")) {
                statement.setString(1, target.toString());
                try (ResultSet rs = statement.executeQuery()) {
                    if (!rs.next()) {
                        throw new ReferenceViolationException(Messages.doesNotExist(targetType(reference), target));
                    }
                }
            }
        }
    }

    /**
     * Fails, naming the blockers, if deleting {@code roots} (a query of ids) would leave an entity
     * whose restricting reference points at something the deletion removes. The set of what the
     * deletion removes is followed through the cascading references as nested subqueries, so nothing
     * is loaded but the names of the blockers. A restricting entity that the same deletion removes
     * does not block, as in the memory store.
     */
    private void checkNoBlockers(Connection c, Sql roots, SqlSupplier<String> subject) throws SQLException {
        Map<String, List<Sql>> doomed = new LinkedHashMap<>();
        Map<String, List<Sql>> restricting = new LinkedHashMap<>();
        collectDependents(mapping.table(), roots, doomed, restricting, 0);
        if (restricting.isEmpty()) {
            return;
        }
        List<String> blockers = new ArrayList<>();
        long total = 0;
        for (Map.Entry<String, List<Sql>> entry : restricting.entrySet()) {
            String table = entry.getKey();
            Sql where = new Sql("(");
            for (int i = 0; i < entry.getValue().size(); i++) {
                where.append(i == 0 ? "" : " OR ").append(entry.getValue().get(i));
            }
            where.append(")");
            for (Sql removed : doomed.getOrDefault(table, List.of())) {
                where.append(" AND b.id NOT IN (").append(removed).append(")");
            }
            Sql count = new Sql("SELECT COUNT(*) FROM " + table + " b WHERE ").append(where);
            long found;
            try (PreparedStatement statement = count.prepare(c); ResultSet rs = statement.executeQuery()) {
                rs.next();
                found = rs.getLong(1);
            }
            if (found == 0) {
                continue;
            }
            total += found;
            int room = LISTED_BLOCKERS - blockers.size();
            if (room > 0) {
                Sql names = new Sql("SELECT b.id FROM " + table + " b WHERE ").append(where)
                        .append(" ORDER BY b.created_at, b.id LIMIT ").param((long) room);
                String singular = Mappings.byName(table).orElseThrow().type().singular();
                try (PreparedStatement statement = names.prepare(c); ResultSet rs = statement.executeQuery()) {
                    while (rs.next()) {
                        blockers.add(singular + " '" + rs.getString(1) + "'");
                    }
                }
            }
        }
        if (total > 0) {
            throw new ExistingReferenceException("cannot delete " + subject.get() + ": still referenced by "
                    + Messages.listed(blockers, total));
        }
    }

    /**
     * Adds, for every reference to {@code table}, the ids of the referring entities as a subquery:
     * to {@code doomed} (and onwards) if it cascades, to {@code restricting} if it restricts.
     */
    private static void collectDependents(String table, Sql ids, Map<String, List<Sql>> doomed,
            Map<String, List<Sql>> restricting, int depth) {
        if (depth > Mappings.ALL.size()) {
            throw new IllegalStateException("the references of " + table + " form a cycle");
        }
        String alias = "d" + depth;
        for (TableMapping<?> referrer : Mappings.ALL) {
            for (Reference reference : referrer.type().references()) {
                if (!reference.target().equals(table)) {
                    continue;
                }
                if (reference.onDelete() == Reference.OnDelete.CASCADE) {
                    Sql children = new Sql("SELECT " + alias + ".id FROM " + referrer.table() + " " + alias + " WHERE "
                            + alias + "." + reference.field() + " IN (").append(ids).append(")");
                    doomed.computeIfAbsent(referrer.table(), t -> new ArrayList<>()).add(children);
                    collectDependents(referrer.table(), children, doomed, restricting, depth + 1);
                } else {
                    Sql blocking = new Sql("b." + reference.field() + " IN (").append(ids).append(")");
                    restricting.computeIfAbsent(referrer.table(), t -> new ArrayList<>()).add(blocking);
                }
            }
        }
    }

    /** "platform 'x'" when one entity matches, else "3 platforms", as the memory store says it. */
    private String subjectOf(Connection c, Sql where) throws SQLException {
        Sql sql = new Sql("SELECT r.id FROM " + mapping.table() + " r WHERE ").append(where).append(" LIMIT 2");
        List<String> ids = new ArrayList<>();
        try (PreparedStatement statement = sql.prepare(c); ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        if (ids.size() == 1) {
            return type.singular() + " '" + ids.get(0) + "'";
        }
        Sql count = new Sql("SELECT COUNT(*) FROM " + mapping.table() + " r WHERE ").append(where);
        try (PreparedStatement statement = count.prepare(c); ResultSet rs = statement.executeQuery()) {
            rs.next();
            return rs.getLong(1) + " " + type.name();
        }
    }

    // ---------------------------------------------------------------- errors

    private UniqueViolationException idTaken(T entity) {
        return new UniqueViolationException(type.name(), List.of("id"),
                Messages.alreadyExists(type, "id '" + entity.id() + "'"));
    }

    private UniqueViolationException keyTaken(UniqueKey key, T entity) {
        List<Object> values = new ArrayList<>();
        key.fields().forEach(f -> values.add(type.fields().get(f).get(entity)));
        return new UniqueViolationException(type.name(), key.fields(),
                Messages.alreadyExists(type, Messages.describe(key, values)));
    }

    private ConcurrentModificationException stale(T entity, long storedVersion) {
        return new ConcurrentModificationException(type.singular() + " '" + entity.id()
                + "' was changed concurrently: version " + entity.version() + " is stale, the stored one is "
                + storedVersion);
    }

    /**
     * Maps a constraint the database enforced itself (the checks before found nothing, so another
     * transaction won a race) to the exception the checks would have thrown. The constraint is
     * recognised by its name, which the schema scripts give as {@code <table>_uk<n>} and
     * {@code <table>_fk_<field>}.
     */
    private RuntimeException translateWrite(SQLException e, T entity) {
        String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
            for (int i = 0; i < type.uniqueKeys().size(); i++) {
                if (message.contains(mapping.table() + "_uk" + i)) {
                    return withCause(keyTaken(type.uniqueKeys().get(i), entity), e);
                }
            }
            return withCause(idTaken(entity), e);
        }
        if (FOREIGN_KEY_VIOLATION.equals(e.getSQLState()) || PARENT_MISSING.equals(e.getSQLState())) {
            for (Reference reference : type.references()) {
                if (message.contains(mapping.table() + "_fk_" + reference.field())) {
                    Object target = type.fields().get(reference.field()).get(entity);
                    return new ReferenceViolationException(Messages.doesNotExist(targetType(reference), target), e);
                }
            }
            return new ReferenceViolationException("a reference of " + type.singular() + " '" + entity.id()
                    + "' points to nothing", e);
        }
        return Database.unexpected(e);
    }

    /** A referring entity appeared after the check for blockers: another transaction won a race. */
    private static RuntimeException translateDelete(SQLException e, String subject) {
        if (FOREIGN_KEY_VIOLATION.equals(e.getSQLState())) {
            return new ExistingReferenceException("cannot delete " + subject + ": still referenced", e);
        }
        return Database.unexpected(e);
    }

    private static <X extends RuntimeException> X withCause(X exception, SQLException cause) {
        exception.initCause(cause);
        return exception;
    }

    private static EntityType<?> targetType(Reference reference) {
        return Mappings.byName(reference.target()).orElseThrow().type();
    }

    /** The list order needs a creation time; failing here beats a corrupted index later. */
    private void requireStorable(T entity) {
        Objects.requireNonNull(entity, "entity");
        Objects.requireNonNull(entity.createdAt(),
                () -> "createdAt of " + type.singular() + " '" + entity.id() + "'");
        requireStorableTime("createdAt", entity, entity.createdAt());
        requireStorableTime("updatedAt", entity, entity.updatedAt());
    }

    /** Refuses, naming it, a time the database could not keep; see {@link Kind#EARLIEST}. */
    private void requireStorableTime(String name, T entity, Instant time) {
        if (time != null && (time.isBefore(Kind.EARLIEST) || !time.isBefore(Kind.END))) {
            throw new IllegalArgumentException(name + " of " + type.singular() + " '" + entity.id()
                    + "' must be from " + Kind.EARLIEST + " and before " + Kind.END + ", was " + time);
        }
    }

    /** A value computed with a connection, only when needed. */
    @FunctionalInterface
    private interface SqlSupplier<R> {
        R get() throws SQLException;
    }
}
