package org.servicemanager.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.servicemanager.api.security.Role;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code servicemanager.*} properties. Values left unset keep the Service Manager's defaults.
 *
 * <pre>{@code
 * servicemanager.path=/sm
 * servicemanager.users.admin.password=${SM_ADMIN_PASSWORD}
 * servicemanager.encryption-key=${SM_ENCRYPTION_KEY}
 * servicemanager.broker.read-timeout=30s
 * }</pre>
 *
 * <p>A JavaBean for Spring's binder: bound once while the application starts, read afterwards. Once
 * the auto-configured Service Manager is built, the users' plain passwords and the encryption key
 * are cleared from this object (the Service Manager keeps only password hashes and its own copy of
 * the key), so nothing that shows this bean later, such as actuator's configprops endpoint, can
 * reveal them. They remain in Spring's {@code Environment}, wherever they came from. Not thread-safe
 * while being bound; effectively immutable after.
 */
@ConfigurationProperties(prefix = "servicemanager")
public final class ServiceManagerProperties {
    /** Whether to build and serve a Service Manager at all. */
    private boolean enabled = true;

    /**
     * Where the API is mounted in the application's servlet context, e.g. "/sm" serves
     * "/sm/v1/info". "/" mounts it over the whole context, shadowing the application's own endpoints.
     */
    private String path = "/sm";

    /**
     * Where the registry is kept: auto (the JDBC store on the application's DataSource when there is
     * one, else memory), jdbc (the DataSource is required) or memory (even with a DataSource).
     */
    private StoreType store = StoreType.AUTO;

    /**
     * The operators allowed in with HTTP Basic, by user name: each with a password (hashed at
     * startup) or a password hash made by ServiceManager.Builder.hashPassword, and a role.
     */
    private Map<String, User> users = new LinkedHashMap<>();

    /**
     * The AES-256 key encrypting broker credentials, as base64 of 32 random bytes (e.g. "openssl rand
     * -base64 32"). Required with the JDBC store; the memory store gets a random one per process.
     * Cleared from this object once the Service Manager has it.
     */
    private String encryptionKey;

    /** Whether an encryption key was handed to the Service Manager and then cleared, for toString. */
    private boolean encryptionKeyHandedOver;

    /** How the Service Manager calls service brokers. */
    private final Broker broker = new Broker();

    /** Bearer tokens of an external OpenID Connect issuer (needs sm-oauth on the classpath). */
    private final Oidc oidc = new Oidc();

    /** The largest request body accepted; larger ones are answered 413. Default 1MB. */
    private DataSize maxRequestBodySize;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    public StoreType getStore() {
        return store;
    }

    public void setStore(StoreType store) {
        this.store = store;
    }

    public Map<String, User> getUsers() {
        return users;
    }

    public void setUsers(Map<String, User> users) {
        this.users = users;
    }

    public String getEncryptionKey() {
        return encryptionKey;
    }

    public void setEncryptionKey(String encryptionKey) {
        this.encryptionKey = encryptionKey;
    }

    public Broker getBroker() {
        return broker;
    }

    public Oidc getOidc() {
        return oidc;
    }

    public DataSize getMaxRequestBodySize() {
        return maxRequestBodySize;
    }

    public void setMaxRequestBodySize(DataSize maxRequestBodySize) {
        this.maxRequestBodySize = maxRequestBodySize;
    }

    /**
     * Drops the plain passwords and the encryption key once the Service Manager holds their hashes
     * and its copy of the key: a properties bean lives as long as the application, and anything that
     * shows it (actuator, a debugger, a heap dump) should not find them there.
     */
    void clearSecrets() {
        users.values().forEach(user -> user.setPassword(null));
        if (encryptionKey != null && !encryptionKey.isBlank()) {
            encryptionKeyHandedOver = true;
        }
        encryptionKey = null;
    }

    /** Never shows the encryption key or passwords: Spring may print the properties object. */
    @Override
    public String toString() {
        return "ServiceManagerProperties[enabled=" + enabled + ", path=" + path + ", store=" + store
                + ", users=" + users.keySet()
                + ", encryptionKey=" + (encryptionKey != null || encryptionKeyHandedOver ? "set" : "unset") + "]";
    }

    /** Where the registry is kept ({@code servicemanager.store}). */
    public enum StoreType {
        /** The JDBC store on the application's DataSource when there is one, else a memory store. */
        AUTO,
        /** The JDBC store on the application's DataSource, which must exist. */
        JDBC,
        /** A memory store, even when the application has a DataSource. */
        MEMORY
    }

    /** One operator. Bound once at startup; not thread-safe while being bound. */
    public static final class User {
        /**
         * The password; hashed (PBKDF2) at startup, then cleared from this object. Either this or
         * password-hash.
         */
        private String password;

        /** A hash from ServiceManager.Builder.hashPassword ("pbkdf2-sha256$..."), instead of a password. */
        private String passwordHash;

        /** What the user may do: admin (everything) or read-only (GET and HEAD). */
        private Role role = Role.ADMIN;

        public String getPassword() {
            return password;
        }

        public void setPassword(String password) {
            this.password = password;
        }

        public String getPasswordHash() {
            return passwordHash;
        }

        public void setPasswordHash(String passwordHash) {
            this.passwordHash = passwordHash;
        }

        public Role getRole() {
            return role;
        }

        public void setRole(Role role) {
            this.role = role;
        }

        /** Never shows the password or its hash. */
        @Override
        public String toString() {
            return "User[role=" + role + "]";
        }
    }

    /** Timeouts of calls to service brokers. Bound once at startup; not thread-safe while being bound. */
    public static final class Broker {
        /** How long to wait for a broker's TCP/TLS connection. Default 60s. */
        private Duration connectTimeout;

        /** How long to wait for a broker's answer. Default 60s. */
        private Duration readTimeout;

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getReadTimeout() {
            return readTimeout;
        }

        public void setReadTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
        }
    }

    /**
     * Bearer tokens of an external OpenID Connect issuer, accepted besides the users' Basic
     * credentials. Bound once at startup; not thread-safe while being bound.
     */
    public static final class Oidc {
        /**
         * The issuer's URL (its discovery document is read at startup, which fails if it cannot be);
         * https, or http on loopback. Unset: no bearer tokens.
         */
        private String issuerUrl;

        /** What tokens must carry in aud for the Service Manager (required with issuer-url). */
        private List<String> audience = new ArrayList<>();

        /** The prefix of the scopes that give a role: <prefix>.admin and <prefix>.read. Default service_manager. */
        private String scopePrefix;

        public String getIssuerUrl() {
            return issuerUrl;
        }

        public void setIssuerUrl(String issuerUrl) {
            this.issuerUrl = issuerUrl;
        }

        public List<String> getAudience() {
            return audience;
        }

        public void setAudience(List<String> audience) {
            this.audience = audience;
        }

        public String getScopePrefix() {
            return scopePrefix;
        }

        public void setScopePrefix(String scopePrefix) {
            this.scopePrefix = scopePrefix;
        }
    }
}
