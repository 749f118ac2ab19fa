/**
 * The Jakarta Servlet 6 adapter: {@link org.servicemanager.servlet.ServiceManagerServlet}
 * translates servlet requests to and from the Service Manager's transport-neutral
 * {@link org.servicemanager.core.SmRequest} and {@link org.servicemanager.core.SmResponse}, and
 * uses async servlet processing so that requests waiting for a service broker do not hold
 * container threads. {@link org.servicemanager.servlet.ServiceManagerContextListener} ties a
 * Service Manager's lifetime to a web application's.
 */
package org.servicemanager.servlet;
