package org.servicemanager.spring;

import javax.sql.DataSource;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.jdbc.JdbcStore;
import org.servicemanager.storage.memory.MemoryStore;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The store choices of {@link ServiceManagerAutoConfiguration}, imported in order: the first whose
 * conditions hold defines the {@code serviceManagerStore} bean ({@code servicemanager.store=memory}
 * skips the JDBC store; {@code =jdbc} is checked where the Service Manager is built). Neither
 * applies when the application has its own {@link Store} or {@link ServiceManager} bean.
 * Stateless; Spring calls it on one thread.
 */
final class StoreConfigurations {
    private StoreConfigurations() {
    }

    /** The JDBC store, first choice: an application with a database wants its registry to survive restarts. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.servicemanager.storage.jdbc.JdbcStore")
    @ConditionalOnSingleCandidate(DataSource.class)
    @Conditional(NotMemory.class)
    static final class Jdbc {
        /**
         * Applies the schema scripts the database lacks; closing the store leaves the DataSource open.
         *
         * @throws ServiceManagerPropertiesException when the store cannot be built on the DataSource
         *                                           (another database, unreachable, a failing script)
         */
        @Bean
        @ConditionalOnMissingBean({Store.class, ServiceManager.class})
        JdbcStore serviceManagerStore(DataSource dataSource) {
            try {
                return JdbcStore.builder(dataSource).build();
            } catch (RuntimeException e) {
                // Say what the application can do about it: the JDBC store was picked for it, not asked for.
                throw new ServiceManagerPropertiesException("the JDBC store cannot be built on the application's "
                        + "DataSource (" + e.getMessage() + "); set servicemanager.store=memory to keep the registry "
                        + "in memory, or define a Store bean", e);
            }
        }
    }

    /** Matches unless {@code servicemanager.store=memory}. */
    static final class NotMemory extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String value = context.getEnvironment().getProperty("servicemanager.store", "auto");
            return "memory".equalsIgnoreCase(value.strip()) ? ConditionOutcome.noMatch("servicemanager.store=memory")
                    : ConditionOutcome.match("servicemanager.store=" + value);
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
