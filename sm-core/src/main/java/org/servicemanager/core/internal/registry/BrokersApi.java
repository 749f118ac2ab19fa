package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.BrokerException;
import org.servicemanager.api.ConflictException;
import org.servicemanager.api.model.BrokerCredentials;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.broker.BrokerClient;
import org.servicemanager.core.internal.broker.PemKeys;
import org.servicemanager.core.internal.catalog.Catalog;
import org.servicemanager.core.internal.catalog.CatalogParser;
import org.servicemanager.core.internal.catalog.CatalogSync;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.json.EntityJson;
import org.servicemanager.core.internal.json.JsonInput;
import org.servicemanager.core.internal.notify.Correlation;
import org.servicemanager.core.internal.security.Principal;

/**
 * {@code /v1/service_brokers}. Registration and every PATCH fetch and validate the broker's
 * catalog first, without holding a transaction; only a valid catalog is then written, together
 * with the broker, in one transaction. Credentials are accepted but never returned.
 */
final class BrokersApi extends ResourceApi<ServiceBroker> {
    private static final Set<String> FIELDS = Set.of("id", "name", "description", "broker_url", "credentials",
            "labels");

    BrokersApi(Context ctx) {
        super(ctx, EntityTypes.SERVICE_BROKERS);
    }

    @Override
    ObjectNode toJson(ServiceBroker b) {
        return EntityJson.broker(b);
    }

    @Override
    Scope scopeFor(Principal principal) {
        return principal instanceof Principal.PlatformCaller p
                ? Scope.fieldIn("id", new PlatformView(ctx.store(), ctx.tenancy()).brokerIds(p.platformId()))
                : Scope.ALL;
    }

    CompletableFuture<SmResponse> create(Call call) {
        ObjectNode body = call.jsonBody();
        JsonInput in = JsonInput.of(body).allowOnly(FIELDS);
        String id = idFrom(body);
        String name = in.requiredName("name");
        String description = in.optionalText("description");
        String url = brokerUrl(in.requiredString("broker_url"));
        BrokerCredentials credentials = credentials(in.requiredObject("credentials"), null);
        Labels labels = LabelRules.parseObject(in);
        // Answer a duplicate before bothering the broker; the store's constraint still decides races.
        if (repo().count(Query.fieldEquals("name", name)) > 0) {
            throw new ConflictException("a service broker with name '" + name + "' already exists");
        }
        if (repo().get(id).isPresent()) {
            throw new ConflictException("a service broker with id '" + id + "' already exists");
        }
        return fetchCatalog(name, url, credentials, call.correlationId()).thenApply(catalog -> {
            Instant now = ctx.now();
            // Runs where the broker's answer arrived: the correlation id is set again for the notifications.
            ServiceBroker created = Correlation.with(call.correlationId(), () -> ctx.store().inTransaction(tx -> {
                ServiceBroker broker = tx.repository(EntityTypes.SERVICE_BROKERS).create(new ServiceBroker(id, name,
                        description, url, ctx.secrets().seal(credentials), labels, now, now, true, 0));
                CatalogSync.apply(tx, broker.id(), catalog, now);
                return broker;
            }));
            return Responses.json(201, toJson(created));
        });
    }

    CompletableFuture<SmResponse> patch(Call call) {
        String id = call.pathParam("id");
        ObjectNode body = call.jsonBody();
        JsonInput in = JsonInput.of(body).allowOnly(FIELDS);
        checkIdUnchanged(body, id);
        if (in.isNull("name") || in.isNull("broker_url") || in.isNull("credentials")) {
            throw new BadRequestException("fields 'name', 'broker_url' and 'credentials' cannot be cleared");
        }
        ServiceBroker current = require(id);
        String name = in.has("name") ? in.requiredName("name") : current.name();
        String url = in.has("broker_url") ? brokerUrl(in.requiredString("broker_url")) : current.brokerUrl();
        JsonInput credentialsInput = in.optionalObject("credentials");
        BrokerCredentials stored = ctx.secrets().open(current.credentials());
        BrokerCredentials credentials = credentialsInput == null ? stored : credentials(credentialsInput, stored);
        String description = in.has("description") ? in.optionalText("description") : current.description();
        // Validated (and label operations applied) before the broker is called, so a bad PATCH costs no call.
        Labels labels = LabelRules.applyPatch(current.labels(), body.get("labels"));
        return fetchCatalog(name, url, credentials, call.correlationId()).thenApply(catalog -> {
            Instant now = ctx.now();
            ServiceBroker updated = Correlation.with(call.correlationId(), () -> ctx.store().inTransaction(tx -> {
                ServiceBroker broker = tx.repository(EntityTypes.SERVICE_BROKERS).update(new ServiceBroker(id, name,
                        description, url, ctx.secrets().seal(credentials), labels, current.createdAt(), now,
                        current.ready(), current.version()));
                CatalogSync.apply(tx, broker.id(), catalog, now);
                return broker;
            }));
            return Responses.json(200, toJson(updated));
        });
    }

    private CompletableFuture<Catalog> fetchCatalog(String name, String url, BrokerCredentials credentials,
            String correlationId) {
        URI uri = BrokerClient.endpoint(url, "/v2/catalog", null);
        return ctx.brokers().send(name, credentials, new BrokerClient.BrokerRequest("GET", uri,
                Map.of("X-Correlation-ID", correlationId), null)).thenApply(response -> {
                    if (response.status() != 200) {
                        throw new BrokerException("service broker '" + name + "' answered GET /v2/catalog with HTTP "
                                + response.status() + BrokerClient.describeError(response.body()));
                    }
                    return CatalogParser.parse(name, response.body(), ctx.maxCatalogPlans());
                });
    }

    static String brokerUrl(String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new BadRequestException("broker_url '" + value + "' is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new BadRequestException("broker_url '" + value + "' must be an absolute http or https URL "
                    + "with a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new BadRequestException("broker_url must not contain credentials; pass them in 'credentials'");
        }
        if (uri.getPort() > 65535) {
            throw new BadRequestException("broker_url '" + value + "' has an invalid port " + uri.getPort());
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new BadRequestException("broker_url '" + value + "' must not have a query or fragment");
        }
        return value;
    }

    /**
     * Reads {@code credentials}; on PATCH, parts that are absent keep their value and parts set to
     * {@code null} are removed. The result must authenticate somehow.
     */
    static BrokerCredentials credentials(JsonInput in, BrokerCredentials base) {
        in.allowOnly(Set.of("basic", "token", "tls"));
        String username = base == null ? null : base.basicUsername();
        String password = base == null ? null : base.basicPassword();
        String token = base == null ? null : base.token();
        String certificate = base == null ? null : base.tlsClientCertificate();
        String key = base == null ? null : base.tlsClientKey();
        if (in.has("basic")) {
            JsonInput basic = in.optionalObject("basic");
            if (basic == null) {
                username = null;
                password = null;
            } else {
                basic.allowOnly(Set.of("username", "password"));
                username = basic.requiredString("username");
                password = basic.requiredString("password");
            }
        }
        if (in.has("token")) {
            token = in.optionalString("token");
            if (token != null && !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new BadRequestException("credentials.token must consist of visible ASCII characters");
            }
        }
        if (in.has("tls")) {
            JsonInput tls = in.optionalObject("tls");
            if (tls == null) {
                certificate = null;
                key = null;
            } else {
                tls.allowOnly(Set.of("client_certificate", "client_key"));
                certificate = tls.requiredString("client_certificate");
                key = tls.requiredString("client_key");
                PemKeys.validate(certificate, key);
            }
        }
        if (username != null && token != null) {
            throw new BadRequestException("credentials: give either 'basic' or 'token', not both");
        }
        if (username == null && token == null && certificate == null) {
            throw new BadRequestException("credentials must contain 'basic', 'token' or 'tls'");
        }
        return new BrokerCredentials(username, password, token, certificate, key);
    }
}
