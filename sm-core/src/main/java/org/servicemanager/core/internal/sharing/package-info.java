/**
 * Instance sharing (issue 13): the {@code reference-instance} plan the catalog sync adds to every
 * offering with a shareable plan, sharing and unsharing, and reference instances, which stand for a
 * shared instance of another platform. The REST API, the OSB face and the operations engine call in
 * here through small hooks, so that what sharing means is written down once.
 */
package org.servicemanager.core.internal.sharing;
