package org.servicemanager.servlet;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import java.util.Set;
import org.servicemanager.core.ServiceManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives a web application a Service Manager for its lifetime. Subclass it, build the Service
 * Manager in {@link #createServiceManager}, and declare the subclass as a listener (in
 * {@code web.xml}, with {@code @WebListener}, or by class name with the container's API, e.g.
 * Tomcat's {@code Context.addApplicationListener}). A listener added as an object through
 * {@code ServletContext.addListener} may not register servlets (Servlet 6, section 4.4), and
 * Tomcat enforces that; register a {@link ServiceManagerServlet} yourself in that case:
 *
 * <pre>{@code
 * @WebListener
 * public final class MyServiceManager extends ServiceManagerContextListener {
 *     @Override
 *     protected ServiceManager createServiceManager(ServletContext context) {
 *         return ServiceManager.builder().store(new MemoryStore()).adminUser("admin", secret()).build();
 *     }
 * }
 * }</pre>
 *
 * <p>When the context starts, the listener builds the Service Manager, stores it in the context
 * attribute {@value ServiceManagerServlet#CONTEXT_ATTRIBUTE} and registers a
 * {@link ServiceManagerServlet} named {@value #SERVLET_NAME}, async-supported, at {@link #mapping()}.
 * When the context stops, it closes the Service Manager and, unless
 * {@link #closeStoreOnDestroy()} says otherwise, its store.
 *
 * <p>The container calls a listener from one thread at a time; instances are not meant to be
 * shared otherwise. Thread-safe for that use.
 */
public abstract class ServiceManagerContextListener implements ServletContextListener {
    /** The name under which the servlet is registered. */
    public static final String SERVLET_NAME = "ServiceManagerServlet";

    private static final Logger LOG = LoggerFactory.getLogger(ServiceManagerContextListener.class);

    // Written on context start and read on context stop, which containers may run on different threads.
    private volatile ServiceManager serviceManager;

    /** For subclasses. */
    protected ServiceManagerContextListener() {
    }

    /**
     * Builds the Service Manager this web application serves. Called once, when the context starts.
     *
     * @param context the starting context, e.g. to read init parameters
     * @return the Service Manager; never {@code null}
     */
    protected abstract ServiceManager createServiceManager(ServletContext context);

    /** The URL pattern of the servlet within the context; {@code "/*"} unless overridden. */
    protected String mapping() {
        return "/*";
    }

    /**
     * Whether stopping the context also closes the Service Manager's store; {@code true} unless
     * overridden, because the store was typically built in {@link #createServiceManager} and nobody
     * else would close it. Override to return {@code false} when the store outlives the context.
     */
    protected boolean closeStoreOnDestroy() {
        return true;
    }

    /**
     * Builds the Service Manager, publishes it as a context attribute and registers the servlet.
     *
     * @throws IllegalStateException when {@link #createServiceManager} returns {@code null}, the
     *                               servlet name is taken, the mapping conflicts with another
     *                               servlet's, or the container refuses this listener servlet
     *                               registration (it was not declared); the container then fails
     *                               the deployment
     */
    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        ServiceManager sm = createServiceManager(context);
        if (sm == null) {
            throw new IllegalStateException(getClass().getName() + ".createServiceManager returned null");
        }
        try {
            register(context, sm);
        } catch (RuntimeException e) {
            closeQuietly(sm);
            throw e;
        }
        this.serviceManager = sm;
    }

    private void register(ServletContext context, ServiceManager sm) {
        String mapping = mapping();
        ServletRegistration.Dynamic registration;
        try {
            registration = context.addServlet(SERVLET_NAME, new ServiceManagerServlet(sm));
        } catch (UnsupportedOperationException e) {
            // The container's own message quotes the spec but not what to do about it.
            throw new IllegalStateException(getClass().getName() + " cannot register its servlet: the container "
                    + "allows that only to listeners declared in web.xml, with @WebListener or by class name, "
                    + "not to one added as an object; declare it, or register a ServiceManagerServlet yourself", e);
        }
        if (registration == null) {
            throw new IllegalStateException("a servlet named '" + SERVLET_NAME + "' is already registered in context '"
                    + context.getContextPath() + "'");
        }
        registration.setAsyncSupported(true);
        registration.setLoadOnStartup(1);
        Set<String> conflicts = registration.addMapping(mapping);
        if (!conflicts.isEmpty()) {
            throw new IllegalStateException("cannot map " + SERVLET_NAME + " to '" + mapping
                    + "': another servlet already uses " + conflicts);
        }
        context.setAttribute(ServiceManagerServlet.CONTEXT_ATTRIBUTE, sm);
    }

    /** Removes the attribute and closes the Service Manager (and its store, see {@link #closeStoreOnDestroy()}). */
    @Override
    public void contextDestroyed(ServletContextEvent event) {
        ServiceManager sm = serviceManager;
        if (sm == null) {
            return;
        }
        serviceManager = null;
        event.getServletContext().removeAttribute(ServiceManagerServlet.CONTEXT_ATTRIBUTE);
        closeQuietly(sm);
    }

    private void closeQuietly(ServiceManager sm) {
        // The store is closed even when the Service Manager fails to close: it holds the resources.
        try {
            sm.close();
        } catch (RuntimeException e) {
            LOG.warn("closing the Service Manager failed", e);
        } finally {
            if (closeStoreOnDestroy()) {
                try {
                    sm.store().close();
                } catch (RuntimeException e) {
                    LOG.warn("closing the Service Manager's store failed", e);
                }
            }
        }
    }
}
