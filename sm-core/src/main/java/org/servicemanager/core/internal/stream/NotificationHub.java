package org.servicemanager.core.internal.stream;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.model.Notification;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.NotificationLog;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.NotificationStream;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.revision.Revision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifications of one Service Manager node on their way to the proxies connected to it.
 *
 * <p>One daemon thread polls the store's log by revision ({@link NotificationLog#after} with the
 * last revision it saw), every {@link #POLL_INTERVAL} or at once when {@link #wake() woken}. The log
 * makes revisions visible in order, so reading "after the last one seen" never skips one, whichever
 * node committed it: a change through another node on the same database reaches this node's
 * proxies within one poll. Each notification read becomes one frame, handed to every open stream of
 * its platform (or to all, for a notification for every platform); a stream's own bounded queue
 * absorbs a slow client, so the poller never waits for one.
 *
 * <p>A broker's notification is for every platform but carries the broker's whole catalog, so
 * each platform gets it cut down to the plans it may see, or not at all when it sees none of them
 * ({@link BrokerFrame}): one frame per platform (or per set of plans seen), not per connection,
 * with the visible plans read once per platform and registry revision ({@link VisiblePlans}). The
 * replay cuts them the same way. Visibility notifications are routed by their platform id as
 * they are, with one frame for every stream; those for every platform reach a tenant's platforms
 * only when their plan's broker is one the tenant may use ({@link TenantBrokers}).
 *
 * <p>A second daemon thread does the upkeep: it repeats the connection counts of this node's open
 * streams (so that {@code active} stays true, and turns false by itself if the node dies) and
 * removes notifications older than the retention, in batches. It also re-reads every platform with
 * streams open here and closes (1008) those whose platform was deleted or whose user name was
 * retired, wherever that happened; a change through this node does it at once ({@link
 * #platformChanged}). Thread-safe.
 */
public final class NotificationHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotificationHub.class);
    /** How often the log is polled: well inside the one second a change may take to reach a proxy. */
    static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    /** How often the counts of open connections are recorded again while they stay open. */
    static final Duration ACTIVITY_REFRESH = Duration.ofSeconds(30);
    /**
     * How often the platforms with streams open here are re-read, so that a stream outlives neither
     * its platform nor its credentials by more than this, whichever node changed them.
     */
    static final Duration STREAM_RECHECK = ACTIVITY_REFRESH;
    /** Counts recorded longer ago than this are not believed: their node stopped repeating them. */
    public static final Duration ACTIVITY_FRESHNESS = Duration.ofMinutes(2);
    /** How often old notifications are removed. */
    static final Duration CLEANUP_INTERVAL = Duration.ofMinutes(5);
    static final int READ_BATCH = 500;
    static final int REMOVE_BATCH = 1000;
    static final String PARAMETER = "last_notification_revision";
    private static final Pattern DIGITS = Pattern.compile("\\d+");

    private final Store store;
    private final Clock clock;
    private final int queueSize;
    private final int maxStreamsPerPlatform;
    private final Duration maxPingPeriod;
    private final Duration retention;
    private final VisiblePlans visiblePlans;
    private final TenantBrokers tenantBrokers;
    private final String nodeId = UUID.randomUUID().toString();
    /** Platform id to its open streams on this node. */
    private final Map<String, Set<Subscription>> streams = new ConcurrentHashMap<>();
    /** Platform id to how many streams of it are open here, as last recorded; guarded by itself. */
    private final Map<String, int[]> openCounts = new ConcurrentHashMap<>();
    private final Thread poller;
    private final ScheduledExecutorService upkeep;
    private final Object seenLock = new Object();
    /** The last revision fanned out; {@code -1} until read from the store. Guarded by {@link #seenLock}. */
    private long lastSeen = -1;
    private volatile boolean closed;
    private boolean failing;

    /**
     * @param revision       the registry revision, which keys the visible plans read per platform
     * @param visiblePlanIds the ids of the plans a platform may see now, read from the store
     * @param usableBrokerIds the ids of the brokers a platform's tenant may use, read from the
     *                       store; empty when it may use all (see {@link TenantBrokers})
     */
    public NotificationHub(Store store, Clock clock, int queueSize, int maxStreamsPerPlatform,
            Duration maxPingPeriod, Duration retention, Revision revision,
            Function<String, Set<String>> visiblePlanIds, Function<String, Optional<Set<String>>> usableBrokerIds) {
        this.store = Objects.requireNonNull(store, "store");
        this.visiblePlans = new VisiblePlans(revision, visiblePlanIds);
        this.tenantBrokers = new TenantBrokers(revision, visiblePlans::visibilityMark, usableBrokerIds);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.queueSize = queueSize;
        this.maxStreamsPerPlatform = maxStreamsPerPlatform;
        this.maxPingPeriod = Objects.requireNonNull(maxPingPeriod, "maxPingPeriod");
        this.retention = Objects.requireNonNull(retention, "retention");
        this.poller = new Thread(this::pollLoop, "sm-notification-poll");
        poller.setDaemon(true);
        this.upkeep = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sm-notification-upkeep");
            thread.setDaemon(true);
            return thread;
        });
        poller.start();
        long refresh = ACTIVITY_REFRESH.toMillis();
        upkeep.scheduleWithFixedDelay(this::refreshActivityQuietly, refresh, refresh, TimeUnit.MILLISECONDS);
        long recheck = STREAM_RECHECK.toMillis();
        upkeep.scheduleWithFixedDelay(this::recheckAllQuietly, recheck, recheck, TimeUnit.MILLISECONDS);
        long cleanup = CLEANUP_INTERVAL.toMillis();
        upkeep.scheduleWithFixedDelay(this::cleanUpQuietly, cleanup, cleanup, TimeUnit.MILLISECONDS);
    }

    /**
     * Checks a request for {@code GET /v1/notifications} from platform {@code platformId} (already
     * authenticated as {@code username}) and opens its stream: the notifications after the requested
     * revision are queued before this returns. The stream stays open while the platform exists and
     * {@code username} is its current or previous user name.
     *
     * @throws BadRequestException when {@value #PARAMETER} is not one non-negative integer
     */
    public NotificationStream.Opening open(String platformId, String username, List<String> requestedRevision) {
        Long requested = parseRevision(requestedRevision);
        if (closed) {
            return new NotificationStream.Refused(shuttingDown());
        }
        NotificationLog log = store.notifications();
        long newest = log.newestRevision();
        if (requested != null) {
            SmResponse gone = checkAvailable(log, platformId, requested, newest);
            if (gone != null) {
                return new NotificationStream.Refused(gone);
            }
        }
        long from = requested == null ? newest : requested;
        initLastSeen();
        Subscription stream = new Subscription(this, platformId, username, from, queueSize,
                Map.of(PARAMETER, Long.toString(newest), "max_ping_period", Long.toString(maxPingPeriod.toMillis())),
                maxPingPeriod);
        // Registered before the replay reads the log: whatever the poller reads from now on reaches
        // the stream too, and the stream drops what the replay covered.
        SmResponse refused = register(stream);
        if (refused != null) {
            return new NotificationStream.Refused(refused);
        }
        countConnection(platformId, +1);
        try {
            // Read after registering: a deletion or retirement that committed before is seen here, and
            // one after it finds the stream registered (platformChanged), so none slips between.
            if (invalidity(store.repository(EntityTypes.PLATFORMS).get(platformId), username) != null) {
                stream.close();
                return new NotificationStream.Refused(Responses.error(401, "Unauthorized",
                        "the supplied credentials could not be authenticated"));
            }
            long last = from;
            while (true) {
                List<Notification> batch = log.after(last, platformId, READ_BATCH);
                for (Notification n : batch) {
                    visiblePlans.observe(n);
                    String frame = frameFor(n, platformId);
                    if (frame != null) {
                        stream.replayed(n, frame);
                    }
                }
                if (batch.size() < READ_BATCH) {
                    break;
                }
                last = batch.get(batch.size() - 1).revision();
            }
            if (requested != null && log.removedThrough() > requested) {
                // The clean-up removed some of the backlog while it was read: the client must resync.
                stream.close();
                return new NotificationStream.Refused(gone("notifications after revision " + requested
                        + " were removed meanwhile; resync and reconnect without " + PARAMETER));
            }
            stream.replayDone();
        } catch (RuntimeException e) {
            stream.close();
            throw e;
        }
        return new NotificationStream.Opened(stream);
    }

    /**
     * Checks the request parameter without opening anything: for a {@code GET} that does not ask for
     * an upgrade, which gets the same 400 and 410 answers as one that does.
     *
     * @return the 410 answer, or {@code null} when a stream could be opened
     */
    public SmResponse check(String platformId, List<String> requestedRevision) {
        Long requested = parseRevision(requestedRevision);
        if (requested == null) {
            return null;
        }
        NotificationLog log = store.notifications();
        return checkAvailable(log, platformId, requested, log.newestRevision());
    }

    private static Long parseRevision(List<String> values) {
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw new BadRequestException("query parameter '" + PARAMETER + "' must be given once, was given "
                    + values.size() + " times");
        }
        String value = values.get(0);
        if (!DIGITS.matcher(value).matches()) {
            throw new BadRequestException("query parameter '" + PARAMETER + "' must be a non-negative integer, was '"
                    + value + "'");
        }
        // A number too long for a long is a revision no store has: newer than the newest.
        return value.length() > 18 ? Long.MAX_VALUE : Long.parseLong(value);
    }

    private SmResponse checkAvailable(NotificationLog log, String platformId, long requested, long newest) {
        if (requested > newest) {
            return gone(PARAMETER + " " + requested + " is newer than the newest revision " + newest
                    + "; resync and reconnect without " + PARAMETER);
        }
        long removed = log.removedThrough();
        if (requested < removed) {
            return gone("notifications up to revision " + removed + " were removed, so those after " + requested
                    + " are incomplete; resync and reconnect without " + PARAMETER);
        }
        if (log.countAfter(requested, platformId, queueSize + 1L) > queueSize) {
            return gone("more than " + queueSize + " notifications are pending after revision " + requested
                    + "; resync and reconnect without " + PARAMETER);
        }
        return null;
    }

    private static SmResponse gone(String description) {
        return Responses.error(410, "Gone", description);
    }

    /** Reads where the poller starts, before the first stream opens, so it starts from a known place. */
    private void initLastSeen() {
        synchronized (seenLock) {
            if (lastSeen < 0) {
                lastSeen = store.notifications().newestRevision();
            }
        }
    }

    /** Polls at once instead of at the next interval (say, right after a local commit). */
    public void wake() {
        LockSupport.unpark(poller);
    }

    private void pollLoop() {
        long interval = POLL_INTERVAL.toNanos();
        while (!closed) {
            boolean more = false;
            try {
                more = pollOnce();
                if (failing) {
                    failing = false;
                    LOG.info("reading notifications works again");
                }
            } catch (RuntimeException e) {
                if (!failing) {
                    // One line per outage, not one per poll.
                    failing = true;
                    LOG.warn("reading notifications failed, retrying every {} ms: {}", POLL_INTERVAL.toMillis(),
                            e.toString());
                }
            }
            if (!more && !closed) {
                LockSupport.parkNanos(this, interval);
            }
        }
    }

    /** @return whether a full batch was read, so more may be waiting */
    private boolean pollOnce() {
        synchronized (seenLock) {
            if (lastSeen < 0) {
                lastSeen = store.notifications().newestRevision();
                return false;
            }
            List<Notification> batch = store.notifications().after(lastSeen, null, READ_BATCH);
            for (Notification n : batch) {
                fanOut(n);
                lastSeen = n.revision();
            }
            return batch.size() == READ_BATCH;
        }
    }

    /** The frame of {@code n} for one platform, or {@code null} when that platform must not get it. */
    private String frameFor(Notification n, String platformId) {
        if (BrokerFrame.concerns(n)) {
            return new BrokerFrame(n).forPlatform(visiblePlans.of(platformId));
        }
        if (TenantBrokers.concerns(n) && !tenantBrokers.allows(TenantBrokers.brokerId(n), platformId)) {
            return null;
        }
        return Frames.of(n);
    }

    private void fanOut(Notification n) {
        visiblePlans.observe(n);
        if (BrokerFrame.concerns(n)) {
            fanOutBroker(n);
            return;
        }
        String frame = null;
        if (n.platformId() != null) {
            Set<Subscription> targets = streams.get(n.platformId());
            if (targets != null) {
                for (Subscription s : targets) {
                    frame = frame == null ? Frames.of(n) : frame;
                    s.live(n, frame);
                }
            }
            return;
        }
        if (TenantBrokers.concerns(n)) {
            fanOutPublicVisibility(n);
            return;
        }
        for (Set<Subscription> targets : streams.values()) {
            for (Subscription s : targets) {
                frame = frame == null ? Frames.of(n) : frame;
                s.live(n, frame);
            }
        }
    }

    /**
     * A visibility for every platform: to the platforms whose tenant may use its plan's broker
     * ({@link TenantBrokers}). As for brokers, every platform is judged before any gets the frame,
     * so a failed read leaves the notification to the next poll.
     */
    private void fanOutPublicVisibility(Notification n) {
        String brokerId = TenantBrokers.brokerId(n);
        List<Set<Subscription>> allowed = new ArrayList<>();
        for (Map.Entry<String, Set<Subscription>> entry : streams.entrySet()) {
            if (!entry.getValue().isEmpty() && tenantBrokers.allows(brokerId, entry.getKey())) {
                allowed.add(entry.getValue());
            }
        }
        String frame = allowed.isEmpty() ? null : Frames.of(n);
        for (Set<Subscription> targets : allowed) {
            for (Subscription s : targets) {
                s.live(n, frame);
            }
        }
    }

    /** A platform's streams and the frame they get. */
    private record Delivery(Set<Subscription> targets, String frame) {
    }

    /**
     * A broker's notification, cut for each platform with streams here. Every frame is made before
     * any is handed out: if reading the visible plans fails, nobody got it, and the next poll
     * tries it again (the streams would drop a second copy anyway).
     */
    private void fanOutBroker(Notification n) {
        BrokerFrame broker = null;
        List<Delivery> deliveries = new ArrayList<>();
        for (Map.Entry<String, Set<Subscription>> entry : streams.entrySet()) {
            String platformId = entry.getKey();
            if (entry.getValue().isEmpty() || (n.platformId() != null && !n.platformId().equals(platformId))) {
                continue;
            }
            broker = broker == null ? new BrokerFrame(n) : broker;
            String frame = broker.forPlatform(visiblePlans.of(platformId));
            if (frame != null) {
                deliveries.add(new Delivery(entry.getValue(), frame));
            }
        }
        for (Delivery delivery : deliveries) {
            for (Subscription s : delivery.targets()) {
                s.live(n, delivery.frame());
            }
        }
    }

    /**
     * Adds a stream to its platform's, unless the platform has the most it may have here: each holds
     * a queue and a connection, so one platform's credentials must not be able to open them without
     * end. Serialised per platform so that concurrent openings cannot pass the limit together; and
     * with {@link #close()}, which marks the hub closed before it takes each platform's lock, so a
     * stream is either shut down by it or refused here, never left open after it.
     *
     * @return the refusal, or {@code null} when registered
     */
    private SmResponse register(Subscription stream) {
        Set<Subscription> own = streams.computeIfAbsent(stream.platformId(), p -> ConcurrentHashMap.newKeySet());
        synchronized (own) {
            if (closed) {
                return shuttingDown();
            }
            if (own.size() >= maxStreamsPerPlatform) {
                return Responses.error(429, "TooManyRequests", "platform " + stream.platformId()
                        + " already has " + maxStreamsPerPlatform + " notification connections open on this node; "
                        + "close one before opening another").withHeader("Retry-After", "10");
            }
            own.add(stream);
            return null;
        }
    }

    private static SmResponse shuttingDown() {
        return Responses.error(503, "ServiceUnavailable", "the Service Manager is shutting down");
    }

    /**
     * Re-reads platform {@code platformId} and closes (1008) its streams here that may no longer
     * be open: all of them when it was deleted, those opened with a user name it no longer accepts
     * after a regeneration of its credentials. Never throws: the periodic re-check repeats it.
     */
    public void platformChanged(String platformId) {
        try {
            recheck(platformId);
        } catch (RuntimeException e) {
            LOG.warn("re-checking the notification streams of platform {} failed: {}", platformId, e.toString());
        }
    }

    /** {@link #platformChanged} for every platform with streams here (after a bulk delete). Never throws. */
    public void platformsChanged() {
        recheckAllQuietly();
    }

    /**
     * Re-reads every platform with streams open here and closes the streams that may no longer be
     * open (see {@link #platformChanged}); the upkeep does it every {@link #STREAM_RECHECK}.
     *
     * @return how many streams were closed
     */
    public int recheckAll() {
        int closedNow = 0;
        for (String platformId : List.copyOf(streams.keySet())) {
            closedNow += recheck(platformId);
        }
        return closedNow;
    }

    private void recheckAllQuietly() {
        try {
            recheckAll();
        } catch (RuntimeException e) {
            // The next run tries again; a failing store must not end the schedule.
            LOG.warn("re-checking the notification streams failed: {}", e.toString());
        }
    }

    private int recheck(String platformId) {
        Set<Subscription> own = streams.get(platformId);
        if (own == null || own.isEmpty()) {
            return 0;
        }
        Optional<Platform> platform = store.repository(EntityTypes.PLATFORMS).get(platformId);
        int closedNow = 0;
        for (Subscription s : List.copyOf(own)) {
            String reason = invalidity(platform, s.username());
            if (reason != null) {
                s.revoke(reason);
                closedNow++;
            }
        }
        if (closedNow > 0) {
            LOG.info("closed {} notification streams of platform {}: {}", closedNow, platformId,
                    platform.isEmpty() ? "platform deleted" : "credentials no longer valid");
        }
        return closedNow;
    }

    /**
     * Why a stream opened by {@code username} may not stay open, or {@code null} when it may: the
     * previous user name stays valid until the platform first authenticates with the new one.
     */
    private static String invalidity(Optional<Platform> platform, String username) {
        if (platform.isEmpty()) {
            return "platform deleted";
        }
        Platform p = platform.get();
        if (username.equals(p.credentials().username())
                || (p.previousCredentials() != null && username.equals(p.previousCredentials().username()))) {
            return null;
        }
        return "credentials no longer valid";
    }

    /** A stream ended: it gets nothing more, and its platform has one connection less here. */
    void release(Subscription stream) {
        Set<Subscription> set = streams.get(stream.platformId());
        if (set != null) {
            set.remove(stream);
        }
        if (stream.markReleased()) {
            countConnection(stream.platformId(), -1);
        }
    }

    /**
     * Records the platform's new count of open connections on this node. Serialised per platform,
     * so the store never gets an older count after a newer one.
     */
    private void countConnection(String platformId, int delta) {
        int[] count = openCounts.computeIfAbsent(platformId, p -> new int[1]);
        synchronized (count) {
            count[0] += delta;
            try {
                store.notifications().recordConnections(platformId, nodeId, count[0], now());
            } catch (RuntimeException e) {
                // The repetition records it again; a failed record must not fail the connection.
                LOG.warn("recording the proxy connections of platform {} failed: {}", platformId, e.toString());
            }
        }
    }

    private void refreshActivityQuietly() {
        for (Map.Entry<String, int[]> entry : openCounts.entrySet()) {
            int[] count = entry.getValue();
            synchronized (count) {
                if (count[0] == 0) {
                    continue;
                }
                try {
                    store.notifications().recordConnections(entry.getKey(), nodeId, count[0], now());
                } catch (RuntimeException e) {
                    LOG.warn("recording the proxy connections of platform {} failed: {}", entry.getKey(),
                            e.toString());
                }
            }
        }
    }

    private void cleanUpQuietly() {
        try {
            cleanUp();
        } catch (RuntimeException e) {
            // The next run tries again; a failing store must not end the schedule.
            LOG.warn("removing old notifications failed: {}", e.toString());
        }
    }

    /**
     * Removes the notifications older than the retention, in batches (so no transaction grows
     * large); the store lets one node at a time do it.
     *
     * @return how many were removed
     */
    public int cleanUp() {
        Instant cutoff = now().minus(retention);
        int total = 0;
        while (!closed) {
            int removed = store.notifications().removeCreatedBefore(cutoff, REMOVE_BATCH);
            total += removed;
            if (removed < REMOVE_BATCH) {
                break;
            }
        }
        if (total > 0) {
            LOG.debug("removed {} notifications created before {}", total, cutoff);
        }
        return total;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** How many streams are open on this node (for tests). */
    public int openStreams() {
        return streams.values().stream().mapToInt(Set::size).sum();
    }

    /**
     * Stops polling and the upkeep, and closes every open stream (1001), so that proxies reconnect
     * to another node. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LockSupport.unpark(poller);
        // Each platform's set is copied under the lock register takes after checking closed: a
        // stream registered before is in the copy, one after is refused.
        for (Set<Subscription> set : streams.values()) {
            List<Subscription> open;
            synchronized (set) {
                open = List.copyOf(set);
            }
            open.forEach(Subscription::shutDown);
        }
        upkeep.shutdownNow();
        try {
            poller.join(5000);
            if (!upkeep.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("the notification upkeep did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
