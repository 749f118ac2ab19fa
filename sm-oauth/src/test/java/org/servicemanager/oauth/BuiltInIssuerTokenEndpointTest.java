package org.servicemanager.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.servicemanager.oauth.IssuerFixture.json;
import static org.servicemanager.oauth.IssuerFixture.tokenRequest;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.SignedJWT;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.InvalidBearerTokenException;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.security.VerifiedToken;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;

@DisplayName("The built-in issuer's token endpoint")
class BuiltInIssuerTokenEndpointTest {
    /** What smctl sends for its default client: Basic base64("cf:"). */
    private static final String CF_BASIC = "Basic Y2Y6";
    private static final String PASSWORD_FORM = "grant_type=password&password=admin-pw&username=admin";

    private IssuerFixture fixture;
    private BuiltInIssuer issuer;

    @BeforeEach
    void start() {
        fixture = new IssuerFixture();
        issuer = fixture.start(fixture.builder().client("special", "p@ss:w&rd+ü", Role.READ_ONLY).build());
    }

    private static String basic(String id, String secret) {
        String pair = URLEncoder.encode(id, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private SmResponse post(String authorization, String form) {
        return issuer.handle(tokenRequest(authorization, form));
    }

    @Test
    @DisplayName("smctl's password grant with the Basic header Y2Y6 (client cf, empty secret) returns an admin's bearer token, a refresh token and no-store headers")
    void passwordGrantWithBasicHeader() {
        SmResponse response = post(CF_BASIC, PASSWORD_FORM);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Cache-Control")).contains("no-store");
        assertThat(response.header("Pragma")).contains("no-cache");
        JsonNode body = json(response);
        assertThat(body.get("token_type").asText()).isEqualTo("bearer");
        assertThat(body.get("expires_in").asLong()).isEqualTo(900);
        assertThat(body.get("scope").asText()).isEqualTo("service_manager.admin service_manager.read");
        assertThat(body.get("refresh_token").asText()).isNotEmpty();
        VerifiedToken token = issuer.verify(body.get("access_token").asText());
        assertThat(token.role()).isEqualTo(Role.ADMIN);
        assertThat(token.name()).isEqualTo("admin");
        assertThat(token.clientId()).isEqualTo("cf");
    }

    @Test
    @DisplayName("smctl's password grant with the client in the body (client_id=cf, no secret) works as well")
    void passwordGrantWithParams() {
        SmResponse response = post(null, "client_id=cf&" + PASSWORD_FORM);

        assertThat(response.status()).isEqualTo(200);
        assertThat(issuer.verify(json(response).get("access_token").asText()).role()).isEqualTo(Role.ADMIN);
    }

    @Test
    @DisplayName("a read-only user's token carries the role read-only")
    void readOnlyUser() {
        SmResponse response = post(CF_BASIC, "grant_type=password&password=reader-pw&username=reader");

        assertThat(json(response).get("scope").asText()).isEqualTo("service_manager.read");
        assertThat(issuer.verify(json(response).get("access_token").asText()).role()).isEqualTo(Role.READ_ONLY);
    }

    @Test
    @DisplayName("a wrong password is 400 invalid_grant with an error_description, with the Basic header and with params, and counts as a failed login")
    void wrongPassword() {
        SmResponse header = post(CF_BASIC, "grant_type=password&password=nope&username=admin");
        SmResponse params = post(null, "client_id=cf&grant_type=password&password=nope&username=admin");

        for (SmResponse response : new SmResponse[] {header, params}) {
            assertThat(response.status()).isEqualTo(400);
            assertThat(json(response).get("error").asText()).isEqualTo("invalid_grant");
            assertThat(json(response).get("error_description").asText()).isEqualTo("wrong user name or password");
            assertThat(response.header("Cache-Control")).contains("no-store");
        }
        assertThat(fixture.users.failures).hasSize(2);
    }

    @Test
    @DisplayName("over the failed-login limit the answer is 429 with Retry-After")
    void overTheLimit() {
        fixture.users.overLimit = true;

        SmResponse response = post(CF_BASIC, "grant_type=password&password=nope&username=admin");

        assertThat(response.status()).isEqualTo(429);
        assertThat(response.header("Retry-After")).contains("7");
        assertThat(json(response).get("error_description").asText()).contains("too many failed logins");
    }

    @Test
    @DisplayName("the refresh grant as smctl sends it returns a new access token and a new refresh token")
    void refreshGrant() {
        JsonNode first = json(post(CF_BASIC, PASSWORD_FORM));
        fixture.clock.advance(Duration.ofMinutes(20));

        SmResponse response = post(CF_BASIC, "grant_type=refresh_token&refresh_token=" + first.get("refresh_token").asText());

        assertThat(response.status()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("refresh_token").asText()).isNotEqualTo(first.get("refresh_token").asText());
        VerifiedToken token = issuer.verify(body.get("access_token").asText());
        assertThat(token.role()).isEqualTo(Role.ADMIN);
        assertThat(token.name()).isEqualTo("admin");
    }

    @Test
    @DisplayName("a refreshed refresh token keeps the login's expiry and auth_time: refreshing never extends the session")
    void refreshKeepsAbsoluteExpiry() throws Exception {
        String refresh = json(post(CF_BASIC, PASSWORD_FORM)).get("refresh_token").asText();
        java.util.Date loginExpiry = SignedJWT.parse(refresh).getJWTClaimsSet().getExpirationTime();
        Object authTime = SignedJWT.parse(refresh).getJWTClaimsSet().getClaim("auth_time");
        // refresh every 10 minutes for 11 h 50 min: each refresh token still ends at the login's expiry
        for (int i = 0; i < 71; i++) {
            fixture.clock.advance(Duration.ofMinutes(10));
            SmResponse response = post(CF_BASIC, "grant_type=refresh_token&refresh_token=" + refresh);
            assertThat(response.status()).as("refresh %d", i).isEqualTo(200);
            refresh = json(response).get("refresh_token").asText();
            assertThat(SignedJWT.parse(refresh).getJWTClaimsSet().getExpirationTime()).isEqualTo(loginExpiry);
            assertThat(SignedJWT.parse(refresh).getJWTClaimsSet().getClaim("auth_time")).isEqualTo(authTime);
        }
        fixture.clock.advance(Duration.ofMinutes(12));

        SmResponse late = post(CF_BASIC, "grant_type=refresh_token&refresh_token=" + refresh);

        assertThat(late.status()).isEqualTo(400);
        assertThat(json(late).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    @DisplayName("a refresh fails with invalid_grant once the user's password changed, and counts as no failed login")
    void refreshAfterPasswordChange() {
        String refresh = json(post(CF_BASIC, PASSWORD_FORM)).get("refresh_token").asText();
        fixture.users.setPassword("admin", "new-pw");
        int failures = fixture.users.failures.size();

        SmResponse response = post(CF_BASIC, "grant_type=refresh_token&refresh_token=" + refresh);

        assertThat(response.status()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).isEqualTo("invalid_grant");
        assertThat(json(response).get("error_description").asText()).contains("password or role of admin changed");
        assertThat(fixture.users.failures).hasSize(failures);
    }

    @Test
    @DisplayName("after rotate() a refresh token of the retired key is refused, while access tokens of that key stay valid")
    void rotationEndsSessions() {
        JsonNode login = json(post(CF_BASIC, PASSWORD_FORM));
        issuer.rotate();

        SmResponse response = post(CF_BASIC, "grant_type=refresh_token&refresh_token=" + login.get("refresh_token").asText());

        assertThat(response.status()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).isEqualTo("invalid_grant");
        assertThat(json(response).get("error_description").asText()).contains("rotated");
        assertThat(issuer.verify(login.get("access_token").asText()).role()).isEqualTo(Role.ADMIN);
        // a login after the rotation refreshes fine
        String fresh = json(post(CF_BASIC, PASSWORD_FORM)).get("refresh_token").asText();
        assertThat(post(CF_BASIC, "grant_type=refresh_token&refresh_token=" + fresh).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a refresh token issued by another node before it saw a rotation is refused once this node rotated")
    void otherNodesRefreshTokenAfterRotation() {
        BuiltInIssuer otherNode = fixture.started();
        String refresh = json(otherNode.handle(tokenRequest(CF_BASIC, PASSWORD_FORM))).get("refresh_token").asText();
        issuer.rotate();

        SmResponse response = otherNode.handle(tokenRequest(CF_BASIC, "grant_type=refresh_token&refresh_token=" + refresh));

        // the other node signs access tokens with the old key for up to 30 s, but a refresh reads the store first
        assertThat(json(response).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    @DisplayName("a refresh token signed by a key that was never ours is a forgery, not a rotation: refused and "
            + "counted as a failed login")
    void foreignRefreshTokenIsAFailedLogin() {
        IssuerFixture elsewhere = new IssuerFixture();
        String foreign = json(elsewhere.started().handle(tokenRequest(CF_BASIC, PASSWORD_FORM)))
                .get("refresh_token").asText();
        int failures = fixture.users.failures.size();

        SmResponse response = post(CF_BASIC, "grant_type=refresh_token&refresh_token=" + foreign);

        assertThat(json(response).get("error").asText()).isEqualTo("invalid_grant");
        assertThat(json(response).get("error_description").asText()).doesNotContain("rotated");
        assertThat(fixture.users.failures).hasSize(failures + 1);
    }

    @Test
    @DisplayName("a refresh token is never accepted as an access token")
    void refreshTokenIsNoAccessToken() {
        String refresh = json(post(CF_BASIC, PASSWORD_FORM)).get("refresh_token").asText();

        assertThatThrownBy(() -> issuer.verify(refresh)).isInstanceOf(InvalidBearerTokenException.class);
    }

    @Test
    @DisplayName("an access token is never accepted as a refresh token")
    void accessTokenIsNoRefreshToken() {
        String access = json(post(CF_BASIC, PASSWORD_FORM)).get("access_token").asText();

        SmResponse response = post(CF_BASIC, "grant_type=refresh_token&refresh_token=" + access);

        assertThat(response.status()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    @DisplayName("a refresh fails with invalid_grant once the user is gone")
    void refreshOfRemovedUser() {
        String refresh = json(post(CF_BASIC, PASSWORD_FORM)).get("refresh_token").asText();
        fixture.users.remove("admin");

        SmResponse response = post(CF_BASIC, "grant_type=refresh_token&refresh_token=" + refresh);

        assertThat(response.status()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    @DisplayName("a refresh fails with invalid_grant once the user's role shrank")
    void refreshAfterRoleLoss() {
        String refresh = json(post(CF_BASIC, PASSWORD_FORM)).get("refresh_token").asText();
        fixture.users.setRole("admin", Role.READ_ONLY);

        SmResponse response = post(CF_BASIC, "grant_type=refresh_token&refresh_token=" + refresh);

        assertThat(json(response).get("error").asText()).isEqualTo("invalid_grant");
        assertThat(json(response).get("error_description").asText()).contains("read-only");
    }

    @Test
    @DisplayName("an expired refresh token is refused with invalid_grant")
    void expiredRefreshToken() {
        String refresh = json(post(CF_BASIC, PASSWORD_FORM)).get("refresh_token").asText();
        fixture.clock.advance(Duration.ofHours(13));

        SmResponse response = post(CF_BASIC, "grant_type=refresh_token&refresh_token=" + refresh);

        assertThat(json(response).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    @DisplayName("the client-credentials grant with a Basic header returns a token with the client's role and no refresh token")
    void clientCredentialsWithBasicHeader() {
        SmResponse response = post(basic("robot", "robot-secret"), "grant_type=client_credentials");

        assertThat(response.status()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.has("refresh_token")).isFalse();
        VerifiedToken token = issuer.verify(body.get("access_token").asText());
        assertThat(token.role()).isEqualTo(Role.ADMIN);
        assertThat(token.clientId()).isEqualTo("robot");
        assertThat(token.subject()).isEqualTo("robot");
    }

    @Test
    @DisplayName("the client-credentials grant with client_id and client_secret in the body works as well")
    void clientCredentialsWithParams() {
        SmResponse response = post(null, "client_id=viewer&client_secret=viewer-secret&grant_type=client_credentials");

        assertThat(response.status()).isEqualTo(200);
        assertThat(issuer.verify(json(response).get("access_token").asText()).role()).isEqualTo(Role.READ_ONLY);
    }

    @Test
    @DisplayName("Basic client credentials are form-decoded (RFC 6749 2.3.1), so secrets with ':' '&' '+' and non-ASCII work")
    void basicCredentialsAreFormDecoded() {
        SmResponse response = post(basic("special", "p@ss:w&rd+ü"), "grant_type=client_credentials");

        assertThat(response.status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a wrong client secret in the header is 401 invalid_client with a Basic challenge, and counts as a failed login")
    void wrongClientSecretInHeader() {
        SmResponse response = post(basic("robot", "wrong"), "grant_type=client_credentials");

        assertThat(response.status()).isEqualTo(401);
        assertThat(json(response).get("error").asText()).isEqualTo("invalid_client");
        assertThat(response.header("WWW-Authenticate")).contains("Basic realm=\"service-manager\"");
        assertThat(fixture.users.failures).singleElement().asString().startsWith("robot@192.0.2.7");
    }

    @Test
    @DisplayName("a wrong or unknown client in the body is 401 invalid_client without a challenge")
    void wrongClientInBody() {
        SmResponse wrong = post(null, "client_id=robot&client_secret=wrong&grant_type=client_credentials");
        SmResponse unknown = post(null, "client_id=nobody&client_secret=x&grant_type=client_credentials");

        for (SmResponse response : new SmResponse[] {wrong, unknown}) {
            assertThat(response.status()).isEqualTo(401);
            assertThat(json(response).get("error").asText()).isEqualTo("invalid_client");
            assertThat(response.header("WWW-Authenticate")).isEmpty();
        }
    }

    @Test
    @DisplayName("client secrets are checked by the Service Manager's checkSecret with the stored hash (null for an unknown client), never hashed by the issuer")
    void secretsCheckedByTheServiceManager() {
        post(basic("robot", "wrong"), "grant_type=client_credentials");
        post(basic("nobody", "x"), "grant_type=client_credentials");

        assertThat(fixture.users.secretChecks).hasSize(2);
        assertThat(fixture.users.secretChecks.get(0)).startsWith("robot:").doesNotContain("robot-secret")
                .doesNotEndWith(":null");
        assertThat(fixture.users.secretChecks.get(1)).isEqualTo("nobody:null");
    }

    @Test
    @DisplayName("over the failed-login limit a client-credentials request is 429 with Retry-After")
    void clientOverTheLimit() {
        fixture.users.overLimit = true;

        SmResponse response = post(basic("robot", "wrong"), "grant_type=client_credentials");

        assertThat(response.status()).isEqualTo(429);
        assertThat(response.header("Retry-After")).contains("7");
    }

    @Test
    @DisplayName("when too many secrets or passwords are being checked the answer is 503 temporarily_unavailable with Retry-After")
    void busy() {
        fixture.users.busy = true;

        for (SmResponse response : new SmResponse[] {post(basic("robot", "robot-secret"), "grant_type=client_credentials"),
                post(CF_BASIC, PASSWORD_FORM)}) {
            assertThat(response.status()).isEqualTo(503);
            assertThat(response.header("Retry-After")).contains("3");
            assertThat(json(response).get("error").asText()).isEqualTo("temporarily_unavailable");
        }
    }

    @Test
    @DisplayName("the public client cf with a secret is refused: it has none")
    void publicClientWithSecret() {
        SmResponse response = post(basic("cf", "guess"), PASSWORD_FORM);

        assertThat(response.status()).isEqualTo(401);
        assertThat(json(response).get("error").asText()).isEqualTo("invalid_client");
    }

    @Test
    @DisplayName("cf may not use client_credentials, and a confidential client may not use the password grant: unauthorized_client")
    void grantsPerClient() {
        SmResponse cf = post(CF_BASIC, "grant_type=client_credentials");
        SmResponse robot = post(basic("robot", "robot-secret"), PASSWORD_FORM);

        assertThat(json(cf).get("error").asText()).isEqualTo("unauthorized_client");
        assertThat(json(robot).get("error").asText()).isEqualTo("unauthorized_client");
    }

    @Test
    @DisplayName("client credentials both in the header and in the body are 400 invalid_request")
    void twoClientAuthentications() {
        SmResponse response = post(CF_BASIC, "client_id=cf&" + PASSWORD_FORM);

        assertThat(response.status()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).isEqualTo("invalid_request");
    }

    @Test
    @DisplayName("a JSON body is 400 invalid_request: the token endpoint takes forms only")
    void jsonBody() {
        SmResponse response = issuer.handle(SmRequest.builder("POST", "/oauth/token").header("Authorization", CF_BASIC)
                .jsonBody("{\"grant_type\":\"password\",\"username\":\"admin\",\"password\":\"admin-pw\"}").build());

        assertThat(response.status()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).isEqualTo("invalid_request");
    }

    @Test
    @DisplayName("a repeated parameter is 400 invalid_request")
    void repeatedParameter() {
        SmResponse response = post(CF_BASIC, PASSWORD_FORM + "&username=reader");

        assertThat(json(response).get("error").asText()).isEqualTo("invalid_request");
    }

    @Test
    @DisplayName("an unknown grant type is 400 unsupported_grant_type")
    void unknownGrant() {
        SmResponse response = post(CF_BASIC, "grant_type=authorization_code&code=x");

        assertThat(response.status()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).isEqualTo("unsupported_grant_type");
    }

    @Test
    @DisplayName("the scope parameter narrows the token (an admin asking for read gets read-only)")
    void scopeNarrows() {
        SmResponse response = post(CF_BASIC, PASSWORD_FORM + "&scope=service_manager.read");

        assertThat(json(response).get("scope").asText()).isEqualTo("service_manager.read");
        assertThat(issuer.verify(json(response).get("access_token").asText()).role()).isEqualTo(Role.READ_ONLY);
    }

    @Test
    @DisplayName("a scope beyond the user's role is 400 invalid_scope")
    void scopeCannotWiden() {
        SmResponse response = post(CF_BASIC, "grant_type=password&password=reader-pw&username=reader"
                + "&scope=service_manager.admin");

        assertThat(response.status()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).isEqualTo("invalid_scope");
    }

    @Test
    @DisplayName("the access token has the contract's header and claims")
    void accessTokenClaims() throws Exception {
        String access = json(post(CF_BASIC, PASSWORD_FORM)).get("access_token").asText();

        SignedJWT jwt = SignedJWT.parse(access);
        assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("RS256");
        assertThat(jwt.getHeader().getType().getType()).isEqualTo("at+jwt");
        assertThat(jwt.getHeader().getKeyID()).isNotEmpty();
        var claims = jwt.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(IssuerFixture.ISSUER);
        assertThat(claims.getSubject()).isEqualTo("admin");
        assertThat(claims.getAudience()).containsExactly("service-manager");
        assertThat(claims.getStringListClaim("scope")).containsExactly("service_manager.admin", "service_manager.read");
        assertThat(claims.getStringClaim("client_id")).isEqualTo("cf");
        assertThat(claims.getStringClaim("cid")).isEqualTo("cf");
        assertThat(claims.getStringClaim("user_name")).isEqualTo("admin");
        assertThat(claims.getStringClaim("grant_type")).isEqualTo("password");
        assertThat(claims.getJWTID()).isNotEmpty();
        assertThat(claims.getNotBeforeTime()).isEqualTo(claims.getIssueTime());
        assertThat(claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()).isEqualTo(900_000);
    }

    @Test
    @DisplayName("the access token expires after the configured lifetime")
    void accessTokenExpires() {
        String access = json(post(CF_BASIC, PASSWORD_FORM)).get("access_token").asText();
        fixture.clock.advance(Duration.ofMinutes(17));

        assertThatThrownBy(() -> issuer.verify(access)).isInstanceOf(InvalidBearerTokenException.class)
                .hasMessageContaining("expired");
    }

    @Test
    @DisplayName("token requests are audited with grant, subject and outcome, never a password or token")
    void audit() {
        JsonNode ok = json(post(CF_BASIC, PASSWORD_FORM));
        post(CF_BASIC, "grant_type=password&password=nope&username=admin");

        assertThat(fixture.audit).containsExactly("admin password issued", "admin password invalid_grant");
        assertThat(String.join("\n", fixture.audit)).doesNotContain("admin-pw", "nope",
                ok.get("access_token").asText());
    }

    @Test
    @DisplayName("other methods on the endpoints are 405 with Allow")
    void otherMethods() {
        SmResponse getToken = issuer.handle(SmRequest.builder("GET", "/oauth/token").build());
        SmResponse postKeys = issuer.handle(SmRequest.builder("POST", "/oauth/token_keys").build());
        SmResponse deleteDiscovery = issuer.handle(
                SmRequest.builder("DELETE", "/oauth/.well-known/openid-configuration").build());

        assertThat(getToken.status()).isEqualTo(405);
        assertThat(getToken.header("Allow")).contains("POST");
        assertThat(postKeys.status()).isEqualTo(405);
        assertThat(postKeys.header("Allow")).contains("GET, HEAD");
        assertThat(deleteDiscovery.header("Allow")).contains("GET, HEAD");
    }
}
