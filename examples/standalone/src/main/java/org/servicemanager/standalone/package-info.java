/**
 * The standalone Service Manager server: {@link org.servicemanager.standalone.StandaloneServer},
 * Jetty 12 with the servlet adapter, configured by environment variables and packaged as
 * {@code sm-standalone.jar}.
 */
package org.servicemanager.standalone;
