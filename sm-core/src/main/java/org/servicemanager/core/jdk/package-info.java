/** A zero-dependency HTTP endpoint over the JDK's built-in {@code com.sun.net.httpserver}. */
package org.servicemanager.core.jdk;
