package org.servicemanager.test.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts one Service Manager for the annotated test class with the defaults of
 * {@link ServiceManagerExtension} (memory store, administrator {@code admin} / {@code admin-password},
 * HTTP on {@code 127.0.0.1}), and injects {@link ServiceManagerRuntimeInfo} parameters:
 *
 * <pre>{@code
 * @ServiceManagerTest
 * class PlatformsTest {
 *     @Test
 *     void registersAPlatform(ServiceManagerRuntimeInfo sm) {
 *         assertThat(sm.registerPlatform("cf").username()).isNotBlank();
 *     }
 * }
 * }</pre>
 *
 * For other options, register the extension programmatically ({@link ServiceManagerExtension#newInstance()}).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(ServiceManagerExtension.class)
public @interface ServiceManagerTest {
    /** Whether to serve the Service Manager over HTTP (default yes). */
    boolean http() default true;
}
