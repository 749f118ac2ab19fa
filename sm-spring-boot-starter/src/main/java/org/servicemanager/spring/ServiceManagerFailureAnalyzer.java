package org.servicemanager.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a wrong {@code servicemanager.*} property as a short "APPLICATION FAILED TO START"
 * description and action instead of a stack trace several bean creations deep. Registered in
 * {@code META-INF/spring.factories}. Stateless, thread-safe.
 */
final class ServiceManagerFailureAnalyzer extends AbstractFailureAnalyzer<ServiceManagerPropertiesException> {
    ServiceManagerFailureAnalyzer() {
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ServiceManagerPropertiesException cause) {
        return new FailureAnalysis("The Service Manager cannot start: " + cause.getMessage(),
                "Set the servicemanager.* property named above (application.properties, application.yml or the "
                        + "environment), or set servicemanager.enabled=false to run without the Service Manager.",
                cause);
    }
}
