/**
 * A tiny JSON HTTP client ({@link org.servicemanager.test.http.ApiClient}) for black-box tests of
 * the Service Manager's REST API over real HTTP.
 */
package org.servicemanager.test.http;
