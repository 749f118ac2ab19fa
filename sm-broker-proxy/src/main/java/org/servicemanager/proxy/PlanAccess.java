package org.servicemanager.proxy;

import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who may use a plan in a platform: nobody, everybody, or the holders of some scopes (Cloud Foundry
 * organizations). Immutable; scopes are kept sorted so that equal access compares equal.
 */
public record PlanAccess(Kind kind, Set<String> scopes) {

    /** The three kinds of access. */
    public enum Kind {
        NONE,
        EVERYONE,
        SCOPED
    }

    private static final PlanAccess NONE = new PlanAccess(Kind.NONE, Set.of());
    private static final PlanAccess EVERYONE = new PlanAccess(Kind.EVERYONE, Set.of());

    public PlanAccess {
        Objects.requireNonNull(kind, "kind");
        // Sorted, so that logs and summaries read the same whatever order the scopes came in.
        scopes = Collections.unmodifiableSortedSet(new TreeSet<>(scopes));
        if ((kind == Kind.SCOPED) == scopes.isEmpty()) {
            throw new IllegalArgumentException("access " + kind + " cannot have scopes " + scopes);
        }
    }

    public static PlanAccess none() {
        return NONE;
    }

    public static PlanAccess everyone() {
        return EVERYONE;
    }

    /** Access for these scopes; none when {@code scopes} is empty. */
    public static PlanAccess scoped(Set<String> scopes) {
        return scopes.isEmpty() ? NONE : new PlanAccess(Kind.SCOPED, scopes);
    }

    /** The access that grants what either grants. */
    public PlanAccess union(PlanAccess other) {
        if (kind == Kind.EVERYONE || other.kind == Kind.EVERYONE) {
            return EVERYONE;
        }
        Set<String> all = new TreeSet<>(scopes);
        all.addAll(other.scopes);
        return scoped(all);
    }
}
