package org.servicemanager.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.servicemanager.oauth.IssuerFixture.json;
import static org.servicemanager.oauth.IssuerFixture.tokenRequest;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.InvalidBearerTokenException;
import org.servicemanager.api.ServiceManagerException;
import org.servicemanager.api.model.SigningKey;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.oauth.internal.AccessTokenVerifier;
import org.servicemanager.storage.memory.MemoryStore;

@DisplayName("The built-in issuer's signing keys, JWKS and discovery")
class BuiltInIssuerKeysTest {
    private final IssuerFixture fixture = new IssuerFixture();

    private static String token(BuiltInIssuer issuer) {
        SmResponse response = issuer.handle(tokenRequest("Basic Y2Y6",
                "grant_type=password&password=admin-pw&username=admin"));
        assertThat(response.status()).isEqualTo(200);
        return json(response).get("access_token").asText();
    }

    private static String kid(String token) throws Exception {
        return SignedJWT.parse(token).getHeader().getKeyID();
    }

    private List<SigningKey> storedKeys(MemoryStore store) {
        return store.repository(EntityTypes.SIGNING_KEYS).list(Query.all(), PageRequest.unbounded()).items();
    }

    @Test
    @DisplayName("start creates one RS256 signing key whose kid is its RFC 7638 thumbprint")
    void createsKey() throws Exception {
        fixture.started();

        List<SigningKey> keys = storedKeys(fixture.store);
        assertThat(keys).singleElement().satisfies(k -> {
            assertThat(k.algorithm()).isEqualTo("RS256");
            assertThat(k.retiredAt()).isNull();
        });
        JWK publicJwk = JWK.parse(keys.get(0).publicJwk());
        assertThat(keys.get(0).id()).isEqualTo(publicJwk.computeThumbprint().toString());
    }

    @Test
    @DisplayName("the stored private key is sealed: the record does not contain the key's private exponent")
    void privateKeyIsSealed() throws Exception {
        fixture.started();

        SigningKey stored = storedKeys(fixture.store).get(0);
        String d = JWK.parse(fixture.cipher.decrypt(stored.sealedPrivateJwk())).toJSONObject().get("d").toString();
        assertThat(d).isNotEmpty();
        assertThat(stored.toString()).doesNotContain(d);
        assertThat(stored.sealedPrivateJwk()).doesNotContain(d).startsWith("aesgcm:");
        assertThat(stored.publicJwk()).doesNotContain(d);
    }

    @Test
    @DisplayName("a second issuer on the same store (a restart or another node) signs with the same kid and accepts the first one's tokens")
    void keysSurviveRestart() throws Exception {
        BuiltInIssuer first = fixture.started();
        String token = token(first);

        BuiltInIssuer second = fixture.started();

        assertThat(second.verify(token).role()).isEqualTo(Role.ADMIN);
        assertThat(kid(token(second))).isEqualTo(kid(token));
        assertThat(storedKeys(fixture.store)).hasSize(1);
    }

    @Test
    @DisplayName("a token of another issuer instance with other keys is refused")
    void otherKeysRefused() {
        IssuerFixture other = new IssuerFixture();
        String foreign = token(other.started());

        BuiltInIssuer issuer = fixture.started();

        assertThatThrownBy(() -> issuer.verify(foreign)).isInstanceOf(InvalidBearerTokenException.class);
    }

    @Test
    @DisplayName("two issuers starting at once on one store end up with one signing key and sign with the same kid")
    void concurrentStartConverges() throws Exception {
        CyclicBarrier barrier = new CyclicBarrier(2);
        // Two threads of its own: the common pool may have a single worker, and the barrier needs both.
        ExecutorService threads = Executors.newFixedThreadPool(2);
        List<CompletableFuture<BuiltInIssuer>> starts = List.of(1, 2).stream()
                .map(i -> CompletableFuture.supplyAsync(() -> {
                    BuiltInIssuer issuer = fixture.builder().build();
                    try {
                        barrier.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return fixture.start(issuer);
                }, threads))
                .toList();
        BuiltInIssuer a = starts.get(0).get(30, TimeUnit.SECONDS);
        BuiltInIssuer b = starts.get(1).get(30, TimeUnit.SECONDS);
        threads.shutdown();

        assertThat(kid(token(a))).isEqualTo(kid(token(b)));
        assertThat(storedKeys(fixture.store).stream().filter(k -> k.retiredAt() == null)).hasSize(1);
    }

    @Test
    @DisplayName("when two nodes each stored a signing key, every node signs with the oldest and the other is retired")
    void twoActiveKeysConverge() throws Exception {
        // What two nodes racing on a store without serialised transactions leave behind.
        IssuerFixture elsewhere = new IssuerFixture();
        elsewhere.started();
        SigningKey older = storedKeys(elsewhere.store).get(0);
        fixture.clock.advance(Duration.ofSeconds(1));
        BuiltInIssuer first = fixture.started();
        SigningKey newer = storedKeys(fixture.store).get(0);
        String sealed = fixture.cipher.encrypt(elsewhere.cipher.decrypt(older.sealedPrivateJwk()));
        fixture.store.repository(EntityTypes.SIGNING_KEYS).create(new SigningKey(older.id(), older.algorithm(),
                older.publicJwk(), sealed, null, older.labels(), older.createdAt(), older.createdAt(), true, 1));

        BuiltInIssuer second = fixture.started();
        fixture.clock.advance(Duration.ofSeconds(31));

        assertThat(kid(token(second))).isEqualTo(older.id());
        assertThat(kid(token(first))).isEqualTo(older.id());
        assertThat(storedKeys(fixture.store)).filteredOn(k -> k.id().equals(newer.id()))
                .singleElement().satisfies(k -> assertThat(k.retiredAt()).isNotNull());
    }

    @Test
    @DisplayName("a node with another encryption key fails to start, naming the key it cannot unseal")
    void otherEncryptionKey() {
        fixture.started();
        IssuerFixture otherKey = new IssuerFixture();
        String kid = storedKeys(fixture.store).get(0).id();

        assertThatThrownBy(() -> fixture.builder().build().start(otherKey.context(fixture.store, fixture.clock)))
                .isInstanceOf(ServiceManagerException.class)
                .hasMessageContaining(kid).hasMessageContaining("encryption key");
    }

    @Test
    @DisplayName("ES256 issuers make P-256 keys and sign with ES256")
    void es256() throws Exception {
        BuiltInIssuer issuer = fixture.start(fixture.builder().algorithm("ES256").build());

        String token = token(issuer);

        assertThat(SignedJWT.parse(token).getHeader().getAlgorithm().getName()).isEqualTo("ES256");
        assertThat(JWK.parse(storedKeys(fixture.store).get(0).publicJwk()).toJSONObject()).containsEntry("crv", "P-256");
        assertThat(issuer.verify(token).role()).isEqualTo(Role.ADMIN);
    }

    @Test
    @DisplayName("GET /oauth/token_keys publishes the public signing key only, cacheable for five minutes")
    void jwks() throws Exception {
        BuiltInIssuer issuer = fixture.started();

        SmResponse response = issuer.handle(SmRequest.builder("GET", "/oauth/token_keys").build());

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Cache-Control")).hasValueSatisfying(v -> assertThat(v).contains("max-age=300"));
        JsonNode keys = json(response).get("keys");
        assertThat(keys).hasSize(1);
        JsonNode key = keys.get(0);
        assertThat(key.get("kty").asText()).isEqualTo("RSA");
        assertThat(key.get("kid").asText()).isEqualTo(kid(token(issuer)));
        assertThat(key.get("use").asText()).isEqualTo("sig");
        assertThat(key.get("alg").asText()).isEqualTo("RS256");
        assertThat(key.get("e").asText()).isEqualTo("AQAB");
        for (String secretPart : List.of("d", "p", "q", "dp", "dq", "qi")) {
            assertThat(key.has(secretPart)).as(secretPart).isFalse();
        }
    }

    @Test
    @DisplayName("GET /oauth/.well-known/openid-configuration names the issuer, token endpoint, JWKS, grants and scopes")
    void discovery() {
        BuiltInIssuer issuer = fixture.started();

        SmResponse response = issuer.handle(SmRequest.builder("GET", "/oauth/.well-known/openid-configuration").build());

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Cache-Control")).hasValueSatisfying(v -> assertThat(v).contains("max-age=300"));
        JsonNode doc = json(response);
        assertThat(doc.get("issuer").asText()).isEqualTo("https://sm.example/oauth");
        assertThat(doc.get("token_endpoint").asText()).isEqualTo("https://sm.example/oauth/token");
        assertThat(doc.get("jwks_uri").asText()).isEqualTo("https://sm.example/oauth/token_keys");
        assertThat(doc.get("grant_types_supported").toString())
                .isEqualTo("[\"password\",\"client_credentials\",\"refresh_token\"]");
        assertThat(doc.get("token_endpoint_auth_methods_supported").toString())
                .isEqualTo("[\"client_secret_basic\",\"client_secret_post\",\"none\"]");
        assertThat(doc.get("scopes_supported").toString())
                .isEqualTo("[\"service_manager.admin\",\"service_manager.read\"]");
    }

    @Test
    @DisplayName("discovery advertises nothing that is not served: no authorization endpoint, no response types, no ID-token fields")
    void discoveryIsHonest() {
        BuiltInIssuer issuer = fixture.started();

        JsonNode doc = json(issuer.handle(SmRequest.builder("GET", "/oauth/.well-known/openid-configuration").build()));

        assertThat(doc.has("authorization_endpoint")).isFalse();
        assertThat(doc.get("response_types_supported").toString()).isEqualTo("[]");
        assertThat(doc.has("id_token_signing_alg_values_supported")).isFalse();
        assertThat(doc.has("subject_types_supported")).isFalse();
    }

    @Test
    @DisplayName("HEAD on discovery and on token_keys answers 200 with GET's headers and no body")
    void head() {
        BuiltInIssuer issuer = fixture.started();

        for (String path : List.of("/oauth/.well-known/openid-configuration", "/oauth/token_keys")) {
            SmResponse response = issuer.handle(SmRequest.builder("HEAD", path).build());
            assertThat(response.status()).as(path).isEqualTo(200);
            assertThat(response.header("Content-Type")).as(path).contains("application/json");
            assertThat(response.body()).as(path).isEmpty();
        }
    }

    @Test
    @DisplayName("rotate makes a new key sign, keeps the old one published and its tokens valid; other nodes accept the new key at once and sign with it within 30 s")
    void rotation() throws Exception {
        BuiltInIssuer issuer = fixture.started();
        BuiltInIssuer otherNode = fixture.started();
        String before = token(issuer);

        issuer.rotate();
        String after = token(issuer);

        assertThat(kid(after)).isNotEqualTo(kid(before));
        assertThat(issuer.verify(before).role()).isEqualTo(Role.ADMIN);
        assertThat(json(issuer.handle(SmRequest.builder("GET", "/oauth/token_keys").build())).get("keys")).hasSize(2);
        // The unknown kid makes the other node re-read the store at once: no clock advance needed.
        assertThat(otherNode.verify(after).role()).isEqualTo(Role.ADMIN);
        assertThat(otherNode.verify(before).role()).isEqualTo(Role.ADMIN);
        fixture.clock.advance(Duration.ofSeconds(30));
        assertThat(kid(token(otherNode))).isEqualTo(kid(after));
    }

    @Test
    @DisplayName("unknown kids re-read the store at most once per second")
    void unknownKidReloadIsRateLimited() throws Exception {
        BuiltInIssuer issuer = fixture.started();
        BuiltInIssuer otherNode = fixture.started();
        fixture.clock.advance(Duration.ofSeconds(1));
        // a made-up kid spends this second's re-read
        String forged = IssuerFixture.forgedToken("made-up-kid");
        assertThatThrownBy(() -> otherNode.verify(forged)).isInstanceOf(InvalidBearerTokenException.class);

        issuer.rotate();
        String after = token(issuer);

        assertThatThrownBy(() -> otherNode.verify(after)).isInstanceOf(InvalidBearerTokenException.class)
                .hasMessage(AccessTokenVerifier.UNKNOWN_KEY);
        fixture.clock.advance(Duration.ofSeconds(1));
        assertThat(otherNode.verify(after).role()).isEqualTo(Role.ADMIN);
    }

    @Test
    @DisplayName("a retired key is published for the access-token lifetime plus skew only (refresh tokens do not need it)")
    void retiredKeyDropsOut() {
        BuiltInIssuer issuer = fixture.started();
        String before = token(issuer);
        issuer.rotate();

        fixture.clock.advance(Duration.ofMinutes(15).plusSeconds(30));
        assertThat(json(issuer.handle(SmRequest.builder("GET", "/oauth/token_keys").build())).get("keys")).hasSize(2);
        assertThat(issuer.verify(before).role()).isEqualTo(Role.ADMIN);

        fixture.clock.advance(Duration.ofSeconds(31));
        assertThat(json(issuer.handle(SmRequest.builder("GET", "/oauth/token_keys").build())).get("keys")).hasSize(1);
    }

    @Test
    @DisplayName("an unknown path below the prefix is 404")
    void unknownPath() {
        BuiltInIssuer issuer = fixture.started();

        assertThat(issuer.handle(SmRequest.builder("GET", "/oauth/authorize").build()).status()).isEqualTo(404);
    }
}
