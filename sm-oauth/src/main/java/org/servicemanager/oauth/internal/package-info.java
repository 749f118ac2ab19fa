/**
 * Not public API: the JOSE machinery behind {@code org.servicemanager.oauth}. May change without
 * notice; only this module uses it.
 */
package org.servicemanager.oauth.internal;
