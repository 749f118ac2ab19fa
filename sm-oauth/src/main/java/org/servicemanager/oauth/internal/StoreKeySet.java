package org.servicemanager.oauth.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.ServiceManagerException;
import org.servicemanager.api.UniqueViolationException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.SigningKey;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.SecretCipher;
import org.servicemanager.api.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in issuer's signing keys as kept in the store, shared by every node: the one key that
 * signs, and the keys that still verify (the signing one and those retired less than
 * {@code keepRetired} ago, so tokens they signed stay valid until they expire).
 *
 * <p>Every node signs with the same key: of the un-retired keys, the oldest (then the smallest
 * kid) signs, and a node that finds more than one (two nodes started at once, each inserting a key)
 * retires the others. The set is re-read from the store every {@code reloadInterval} (so a node
 * signs with the key another node rotated to), and at once when a token names a kid this node does
 * not know, at most once per {@link #UNKNOWN_KID_RELOAD_INTERVAL} (so a node accepts tokens of a key
 * another node just rotated to, while made-up kids cannot make every request read the store).
 *
 * <p>Thread-safe: the current view is an immutable snapshot swapped atomically.
 */
public final class StoreKeySet implements JWKSource<SecurityContext> {
    private static final Logger LOG = LoggerFactory.getLogger(StoreKeySet.class);
    /** The least time between two store reads caused by unknown kids. */
    public static final Duration UNKNOWN_KID_RELOAD_INTERVAL = Duration.ofSeconds(1);
    private final Store store;
    private final Repository<SigningKey> keys;
    private final SecretCipher cipher;
    private final Clock clock;
    private final JWSAlgorithm algorithm;
    private final Duration keepRetired;
    private final Duration reloadInterval;
    private final Object reloadLock = new Object();
    private volatile Snapshot snapshot;
    /** When an unknown kid or a refresh last made this node read the store. */
    private volatile Instant lastUnscheduledRead = Instant.MIN;

    /** What one read of the store gave: the signer (private key unsealed) and the verifying keys. */
    private record Snapshot(String signingKid, JWSSigner signer, JWKSet signingKey, JWKSet publicKeys,
            Instant readAt) {
    }

    public StoreKeySet(Store store, SecretCipher cipher, Clock clock, JWSAlgorithm algorithm,
            Duration keepRetired, Duration reloadInterval) {
        this.store = Objects.requireNonNull(store, "store");
        this.keys = store.repository(EntityTypes.SIGNING_KEYS);
        this.cipher = Objects.requireNonNull(cipher, "cipher");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        this.keepRetired = Objects.requireNonNull(keepRetired, "keepRetired");
        this.reloadInterval = Objects.requireNonNull(reloadInterval, "reloadInterval");
    }

    /** Reads the keys, creating the signing key if none signs yet. */
    public void start() {
        synchronized (reloadLock) {
            if (!active(readAll(keys)).isEmpty()) {
                // The usual restart: spare the cost of generating a key (tens of milliseconds for RSA).
                snapshot = load();
                return;
            }
            SigningKey fresh = generate();
            // Check and insert in one transaction: a store that serialises transactions (memory)
            // never gets two signing keys; on others two nodes may both insert, and load() converges.
            store.inTransaction(tx -> {
                Repository<SigningKey> repo = tx.repository(EntityTypes.SIGNING_KEYS);
                if (active(readAll(repo)).isEmpty()) {
                    insert(repo, fresh);
                }
                return null;
            });
            snapshot = load();
        }
    }

    /**
     * Retires the signing key and makes a new one sign, on this node at once, on others within the
     * reload interval (they accept the new key's tokens at once).
     */
    public void rotate() {
        synchronized (reloadLock) {
            SigningKey fresh = generate();
            // Retire before inserting, in one transaction: were the new key stored beside the old
            // one, a node converging on the oldest key would retire the new one.
            store.inTransaction(tx -> {
                Repository<SigningKey> repo = tx.repository(EntityTypes.SIGNING_KEYS);
                for (SigningKey key : active(readAll(repo))) {
                    retire(repo, key);
                }
                insert(repo, fresh);
                return null;
            });
            snapshot = load();
        }
    }

    /** The key that signs now and its kid, taken together (after a re-read if the last one is old). */
    public Signer signer() {
        Snapshot s = current();
        return new Signer(s.signingKid(), s.signer());
    }

    /** A signing key's id and signer; the signer is thread-safe. */
    public record Signer(String kid, JWSSigner signer) {
    }

    /** The public keys that verify tokens now: what the JWKS endpoint publishes. */
    public JWKSet publicKeys() {
        return current().publicKeys();
    }

    public JWSAlgorithm algorithm() {
        return algorithm;
    }

    /**
     * The verifying keys matching {@code selector}. When none matches, the store is read again at
     * once (another node may just have rotated), at most once per
     * {@link #UNKNOWN_KID_RELOAD_INTERVAL}.
     */
    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) {
        return select(selector, Snapshot::publicKeys);
    }

    /**
     * A key source with the signing key only, for refresh tokens: a rotation retires every session,
     * while the retired key keeps verifying access tokens until they expire. Re-reads the store on a
     * kid it does not know, like {@link #get}.
     */
    public JWKSource<SecurityContext> signingKeyOnly() {
        return (selector, context) -> select(selector, Snapshot::signingKey);
    }

    private List<JWK> select(JWKSelector selector, Function<Snapshot, JWKSet> keys) {
        Snapshot s = current();
        List<JWK> found = selector.select(keys.apply(s));
        return found.isEmpty() ? selector.select(keys.apply(readNow(s))) : found;
    }

    /**
     * Re-reads the store now, so that what another node rotated counts here at once; at most once
     * per {@link #UNKNOWN_KID_RELOAD_INTERVAL} (shared with unknown kids), so unauthenticated callers
     * cannot make every request read the store.
     */
    public void readSoon() {
        readNow(current());
    }

    private Snapshot readNow(Snapshot s) {
        if (clock.instant().isBefore(lastUnscheduledRead.plus(UNKNOWN_KID_RELOAD_INTERVAL))) {
            return snapshot;
        }
        synchronized (reloadLock) {
            Instant now = clock.instant();
            if (snapshot == s) {
                if (now.isBefore(lastUnscheduledRead.plus(UNKNOWN_KID_RELOAD_INTERVAL))) {
                    return s;
                }
                lastUnscheduledRead = now;
            }
            // reload(s) reads the store only if no other thread replaced s meanwhile
            return reload(s);
        }
    }

    private Snapshot current() {
        Snapshot s = snapshot;
        if (s == null) {
            throw new IllegalStateException("the token issuer is not started");
        }
        if (clock.instant().isBefore(s.readAt().plus(reloadInterval))) {
            return s;
        }
        return reload(s);
    }

    /** Reads the store unless another thread already replaced {@code seen}. */
    private Snapshot reload(Snapshot seen) {
        synchronized (reloadLock) {
            Snapshot s = snapshot;
            if (s == seen) {
                try {
                    snapshot = load();
                } catch (RuntimeException e) {
                    // The store is unavailable: keep signing and verifying with what was read last,
                    // and try again after the next interval rather than fail every request.
                    LOG.warn("could not re-read the token signing keys, keeping the last ones: {}", e.toString());
                    snapshot = new Snapshot(s.signingKid(), s.signer(), s.signingKey(), s.publicKeys(),
                            clock.instant());
                }
            }
            return snapshot;
        }
    }

    /** One read: converges on one signing key and unseals it. Called with the lock held. */
    private Snapshot load() {
        List<SigningKey> all = readAll(keys);
        List<SigningKey> active = active(all);
        if (active.isEmpty()) {
            // Every key was retired elsewhere without a successor (a rotation that failed half way):
            // make one rather than stop issuing.
            insert(keys, generate());
            all = readAll(keys);
            active = active(all);
        }
        SigningKey signing = active.get(0);
        for (SigningKey extra : active.subList(1, active.size())) {
            retire(keys, extra);
        }
        Instant now = clock.instant();
        List<JWK> verifying = new ArrayList<>();
        JWK signingPublic = parse(signing.publicJwk(), signing.id());
        for (SigningKey key : all) {
            if (key.retiredAt() == null || key.retiredAt().plus(keepRetired).isAfter(now)) {
                verifying.add(parse(key.publicJwk(), key.id()));
            }
        }
        String unsealed;
        try {
            unsealed = cipher.decrypt(signing.sealedPrivateJwk());
        } catch (IllegalArgumentException e) {
            throw new ServiceManagerException("the token signing key " + signing.id() + " in the store cannot be "
                    + "unsealed with this Service Manager's encryption key (another key sealed it)");
        }
        JWK privateJwk = parse(unsealed, signing.id());
        return new Snapshot(signing.id(), signer(privateJwk), new JWKSet(signingPublic), new JWKSet(verifying), now);
    }

    private static List<SigningKey> readAll(Repository<SigningKey> keys) {
        return keys.list(Query.all(), PageRequest.unbounded()).items();
    }

    /** The un-retired keys, the one that signs first: oldest, then smallest kid, the same on every node. */
    private static List<SigningKey> active(List<SigningKey> all) {
        return all.stream()
                .filter(k -> k.retiredAt() == null)
                .sorted(Comparator.comparing(SigningKey::createdAt).thenComparing(SigningKey::id))
                .toList();
    }

    private static void insert(Repository<SigningKey> keys, SigningKey key) {
        try {
            keys.create(key);
        } catch (UniqueViolationException e) {
            // The same kid is already there: only possible for the same key material, nothing to do.
        }
    }

    private void retire(Repository<SigningKey> keys, SigningKey key) {
        try {
            keys.update(key.retired(clock.instant()));
        } catch (ConcurrentModificationException | NotFoundException e) {
            // Another node retired or removed it meanwhile: the outcome is the same.
        }
    }

    private SigningKey generate() {
        JWK jwk;
        try {
            if (JWSAlgorithm.ES256.equals(algorithm)) {
                jwk = new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).algorithm(algorithm)
                        .keyIDFromThumbprint(true).generate();
            } else {
                jwk = new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).algorithm(algorithm)
                        .keyIDFromThumbprint(true).generate();
            }
        } catch (JOSEException e) {
            throw new ServiceManagerException("could not generate a " + algorithm + " signing key", e);
        }
        Instant now = clock.instant();
        return new SigningKey(jwk.getKeyID(), algorithm.getName(), jwk.toPublicJWK().toJSONString(),
                cipher.encrypt(jwk.toJSONString()), null, Labels.empty(), now, now, true, 1);
    }

    private static JWK parse(String json, String kid) {
        try {
            return JWK.parse(json);
        } catch (ParseException e) {
            throw new ServiceManagerException("the stored signing key " + kid + " is not a valid JWK");
        }
    }

    private static JWSSigner signer(JWK key) {
        try {
            if (key instanceof RSAKey rsa) {
                return new RSASSASigner(rsa);
            }
            if (key instanceof ECKey ec) {
                return new ECDSASigner(ec);
            }
        } catch (JOSEException e) {
            throw new ServiceManagerException("the stored signing key " + key.getKeyID() + " cannot sign", e);
        }
        throw new ServiceManagerException("the stored signing key " + key.getKeyID() + " has the unsupported type "
                + key.getKeyType());
    }
}
