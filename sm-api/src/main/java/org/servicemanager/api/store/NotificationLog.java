package org.servicemanager.api.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.servicemanager.api.model.Notification;

/**
 * The notifications of a store, for the Service Broker Proxies, and which platforms have a proxy
 * connected. Implementations are thread-safe. Obtained from {@link Store#notifications()}; the log
 * of the store handed to a transaction's work takes part in that transaction.
 *
 * <p>Revisions: every appended notification gets a revision greater than every revision appended
 * before it, by any node on the store, and the revisions become visible in their order: once a
 * reader has seen revision {@code r}, no notification with a revision of {@code r} or less can
 * appear later (so a reader that polls {@link #after} with the last revision it saw never misses
 * one). A rolled-back append may leave a gap; gaps are allowed, reordering is not.
 */
public interface NotificationLog {

    /**
     * Stores {@code notification} (its {@code revision} is ignored) in the current transaction. On a
     * store shared by several nodes, the appending transaction may hold a store-wide lock until it
     * ends (that is how revisions become visible in their order): keep such transactions short.
     *
     * @return the notification as stored, with its revision (and its {@code createdAt} as the store
     *         keeps it: at least to the microsecond)
     */
    Notification append(Notification notification);

    /**
     * The notifications with a revision greater than {@code revision}, in revision order, at most
     * {@code limit}.
     *
     * @param platformId when not {@code null}, only the notifications for this platform and those
     *                   for every platform ({@code platformId == null}); when {@code null}, all
     * @throws IllegalArgumentException if {@code limit} is negative
     */
    List<Notification> after(long revision, String platformId, int limit);

    /**
     * How many notifications {@link #after} would return without a limit, counting at most
     * {@code cap} (a store may stop counting there).
     *
     * @throws IllegalArgumentException if {@code cap} is negative
     */
    long countAfter(long revision, String platformId, long cap);

    /** The greatest revision ever appended and committed, removed or not; zero if none. */
    long newestRevision();

    /**
     * The greatest revision that {@link #removeCreatedBefore} has removed; zero if none. Every
     * notification with a revision above it that was ever committed is still there.
     */
    long removedThrough();

    /**
     * Removes the oldest notifications created before {@code cutoff}, at most {@code limit} of
     * them, in revision order: those with the lowest revisions among the ones created before it.
     * Callers repeat it until it returns less than {@code limit}. On a store shared by several
     * nodes, one node removes at a time; a call that finds another node at it returns zero.
     *
     * @return how many were removed
     * @throws IllegalArgumentException if {@code limit} is negative
     */
    int removeCreatedBefore(Instant cutoff, int limit);

    /**
     * Records that node {@code nodeId} has {@code openConnections} proxy connections of platform
     * {@code platformId} open, at {@code now}. Nodes call it when the count changes and repeat it
     * while connections stay open, so that a node that stopped without saying so is recognised by
     * its old time. Not tied to the platform's existence: a record of a deleted platform just goes
     * stale.
     *
     * @throws IllegalArgumentException if {@code openConnections} is negative
     */
    void recordConnections(String platformId, String nodeId, int openConnections, Instant now);

    /**
     * The proxy activity of these platforms; platforms that never had a connection are absent.
     *
     * @param freshAfter connection counts recorded before this instant are not believed (their node
     *                   stopped repeating them)
     */
    Map<String, PlatformActivity> activity(Collection<String> platformIds, Instant freshAfter);

    /**
     * Whether a platform has a proxy connected, and when one last was.
     *
     * @param active     whether some node recorded open connections after {@code freshAfter}
     * @param lastActive the latest time any node recorded for it (connections open then, or the
     *                   moment the last one closed)
     */
    record PlatformActivity(boolean active, Instant lastActive) {
    }
}
