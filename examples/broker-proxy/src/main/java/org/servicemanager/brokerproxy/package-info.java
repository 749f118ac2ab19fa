/**
 * The Service Broker Proxy as a process: {@link org.servicemanager.brokerproxy.BrokerProxyMain},
 * configured by environment variables ({@link org.servicemanager.brokerproxy.ProxyConfig}) and
 * packaged as {@code sm-broker-proxy.jar}.
 */
package org.servicemanager.brokerproxy;
