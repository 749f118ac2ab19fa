/**
 * A clock tests move by hand ({@link org.servicemanager.test.time.MutableClock}), for code that takes
 * a {@link java.time.Clock} so that expiry and retention can be tested without sleeping.
 */
package org.servicemanager.test.time;
