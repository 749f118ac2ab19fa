/**
 * Black-box tests of the Service Manager's REST API: each class starts one Service Manager on the
 * JDK HTTP server with a fresh memory store, talks to it over real HTTP with
 * {@link org.servicemanager.test.http.ApiClient}, and plays the brokers with
 * {@link org.servicemanager.test.broker.FakeBroker}. No mocks.
 */
package org.servicemanager.it;
