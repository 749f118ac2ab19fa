package org.servicemanager.brokerproxy;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import org.servicemanager.proxy.BrokerProxy;
import org.servicemanager.proxy.Platform;
import org.servicemanager.proxy.cf.CloudFoundryPlatform;
import org.servicemanager.proxy.memory.InMemoryPlatform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Service Broker Proxy as a process ({@code java -jar sm-broker-proxy.jar}): a
 * {@link BrokerProxy} for the platform {@link ProxyConfig} names, configured by environment
 * variables (see there), running until the JVM is stopped. Every change it applies to the platform
 * is logged at INFO (logger {@code org.servicemanager.proxy}); in memory mode a one-line summary of
 * the platform's state follows each change.
 *
 * <p>Bad configuration ends the process with exit code 2 and one line on standard error naming the
 * variable; any other failure to start with exit code 1. Once started, the proxy retries an
 * unreachable Service Manager or platform itself, with backoff. SIGTERM closes the proxy (its shutdown hook) and the process ends cleanly.
 * Thread-safe: {@link #start} may be called from any thread, and each call starts its own proxy.
 */
public final class BrokerProxyMain {
    /** The process exit code for configuration errors, as is usual for command-line usage errors. */
    static final int EXIT_BAD_CONFIGURATION = 2;
    /** The process exit code when the proxy cannot start for another reason. */
    static final int EXIT_START_FAILED = 1;

    private static final Logger LOG = LoggerFactory.getLogger(BrokerProxyMain.class);

    private BrokerProxyMain() {
    }

    /** Starts the proxy from the process environment and runs until the JVM is stopped. */
    public static void main(String[] args) {
        Running running;
        try {
            running = start(ProxyConfig.fromEnvironment(System.getenv()));
        } catch (IllegalArgumentException | IllegalStateException e) {
            // ProxyConfig checks every variable; a builder refusing a value it let through is a
            // configuration error just the same. One line, no stack trace.
            System.err.println("Service Broker Proxy not started: " + e.getMessage());
            System.exit(EXIT_BAD_CONFIGURATION);
            return;
        } catch (RuntimeException e) {
            LOG.error("Service Broker Proxy not started: {}", e.getMessage(), e);
            System.exit(EXIT_START_FAILED);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(running::close, "sm-broker-proxy-shutdown"));
        running.awaitClosed();
    }

    /** Builds the platform and the proxy, and starts the proxy (it connects in the background). */
    static Running start(ProxyConfig config) {
        Objects.requireNonNull(config, "config");
        InMemoryPlatform memory = null;
        Platform platform;
        if (config.platform() == ProxyConfig.PlatformKind.CF) {
            ProxyConfig.CfSettings cf = config.cf();
            CloudFoundryPlatform.Builder builder = CloudFoundryPlatform.builder()
                    .apiUrl(cf.apiUrl().toString())
                    .client(cf.clientId(), cf.clientSecret());
            if (cf.tokenUrl() != null) {
                builder.tokenUrl(cf.tokenUrl().toString());
            }
            platform = builder.build();
        } else {
            // Scoped by organization like Cloud Foundry, so that org labels on visibilities show.
            memory = new InMemoryPlatform(CloudFoundryPlatform.ORGANIZATION_GUID);
            platform = new SummarizingPlatform(memory);
        }
        BrokerProxy proxy = BrokerProxy.builder()
                .serviceManager(config.serviceManagerUrl(), config.platformUsername(), config.platformPassword())
                .platform(platform)
                .brokerPrefix(config.brokerPrefix())
                .resyncInterval(config.resyncInterval())
                .build();
        LOG.info("Service Broker Proxy starting: {}", config);
        proxy.start();
        return new Running(proxy, memory);
    }

    /** A started proxy. Thread-safe; {@link #close()} may be called more than once. */
    static final class Running implements AutoCloseable {
        private final BrokerProxy proxy;
        private final InMemoryPlatform memory;
        private final CountDownLatch closed = new CountDownLatch(1);
        private final Object closeLock = new Object();

        private Running(BrokerProxy proxy, InMemoryPlatform memory) {
            this.proxy = proxy;
            this.memory = memory;
        }

        BrokerProxy proxy() {
            return proxy;
        }

        /** The in-memory platform, or {@code null} for Cloud Foundry. */
        InMemoryPlatform memoryPlatform() {
            return memory;
        }

        /** Blocks until {@link #close()} has finished. */
        void awaitClosed() {
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Closes the notification stream and stops the proxy's thread. */
        @Override
        public void close() {
            synchronized (closeLock) {
                if (closed.getCount() == 0) {
                    return;
                }
                try {
                    proxy.close();
                } finally {
                    LOG.info("Service Broker Proxy stopped");
                    closed.countDown();
                }
            }
        }
    }
}
