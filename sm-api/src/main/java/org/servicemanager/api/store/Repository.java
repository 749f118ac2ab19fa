package org.servicemanager.api.store;

import java.util.Optional;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.query.Page;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;

/**
 * The entities of one type in a store. Implementations are thread-safe; every method is atomic on
 * its own, and {@link Store#inTransaction} groups several.
 */
public interface Repository<T extends Entity> {

    EntityType<T> type();

    /**
     * Stores a new entity as given, with version {@code 1}.
     *
     * @throws org.servicemanager.api.UniqueViolationException   if the id or a unique key is taken
     * @throws org.servicemanager.api.ReferenceViolationException if a reference points nowhere
     */
    T create(T entity);

    Optional<T> get(String id);

    /**
     * Like {@link #get}, for a caller that never looks at the labels: they may be missing (empty),
     * which spares a store that keeps them apart the work of reading them. Never write back what
     * this returns (the labels would be lost). The default reads them anyway.
     */
    default Optional<T> getWithoutLabels(String id) {
        return get(id);
    }

    /** The entities matching {@code query}, in creation order (then id), one page at a time. */
    Page<T> list(Query query, PageRequest page);

    /** How many entities match {@code query}. */
    long count(Query query);

    /**
     * Replaces the stored entity with the same id, if its version still equals {@code entity.version()};
     * stores and returns it with the version incremented.
     *
     * @throws org.servicemanager.api.NotFoundException                if there is no such entity
     * @throws org.servicemanager.api.ConcurrentModificationException if the stored version differs
     * @throws org.servicemanager.api.UniqueViolationException         if a unique key is taken
     * @throws org.servicemanager.api.ReferenceViolationException      if a reference points nowhere
     */
    T update(T entity);

    /**
     * Deletes the entity and, by the references' rules, its dependents.
     *
     * @return whether it existed
     * @throws org.servicemanager.api.ExistingReferenceException if a restricting dependent exists;
     *                                                           then nothing is deleted
     */
    boolean delete(String id);

    /**
     * Deletes every entity matching {@code query}, all or nothing.
     *
     * @return how many entities of this type were deleted (dependents not counted)
     */
    int deleteAll(Query query);
}
