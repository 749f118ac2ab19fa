/**
 * An example host application: {@link org.servicemanager.examples.embedded.EmbeddedApp} runs its
 * own Jetty with its own endpoint and mounts the Service Manager under {@code /sm}. Read it as
 * documentation of how to embed the library in a servlet container one starts oneself.
 */
package org.servicemanager.examples.embedded;
