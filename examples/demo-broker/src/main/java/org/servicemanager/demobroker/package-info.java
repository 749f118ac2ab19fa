/**
 * A small Open Service Broker (OSB API 2.17) that keeps everything in memory, so that the README's
 * walk-through has a real broker to register: {@link org.servicemanager.demobroker.DemoBroker},
 * packaged as {@code demo-broker.jar}. It is an example and a test aid, not a template for a
 * production broker (nothing survives a restart).
 */
package org.servicemanager.demobroker;
