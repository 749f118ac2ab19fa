package org.servicemanager.spring;

import javax.sql.DataSource;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.jdbc.JdbcStore;
import org.servicemanager.storage.memory.MemoryStore;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The store choices of {@link ServiceManagerAutoConfiguration}, imported in order: the first whose
 * conditions hold defines the {@code serviceManagerStore} bean. Neither applies when the application
 * has its own {@link Store} or {@link ServiceManager} bean. Stateless; Spring calls it on one thread.
 */
final class StoreConfigurations {
    private StoreConfigurations() {
    }

    /** The JDBC store, first choice: an application with a database wants its registry to survive restarts. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.servicemanager.storage.jdbc.JdbcStore")
    @ConditionalOnSingleCandidate(DataSource.class)
    static final class Jdbc {
        /** Applies the schema scripts the database lacks; closing the store leaves the DataSource open. */
        @Bean
        @ConditionalOnMissingBean({Store.class, ServiceManager.class})
        JdbcStore serviceManagerStore(DataSource dataSource) {
            return JdbcStore.builder(dataSource).build();
        }
    }

    /** The memory store, when there is no DataSource: the registry lives as long as the application. */
    @Configuration(proxyBeanMethods = false)
    static final class Memory {
        @Bean
        @ConditionalOnMissingBean({Store.class, ServiceManager.class})
        MemoryStore serviceManagerStore() {
            return new MemoryStore();
        }
    }
}
