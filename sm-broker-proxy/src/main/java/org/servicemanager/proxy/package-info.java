/**
 * The Service Broker Proxy: {@link org.servicemanager.proxy.BrokerProxy} keeps one platform's broker
 * registrations and plan access in line with a Service Manager, through the {@link
 * org.servicemanager.proxy.Platform} SPI that each kind of platform implements.
 */
package org.servicemanager.proxy;
