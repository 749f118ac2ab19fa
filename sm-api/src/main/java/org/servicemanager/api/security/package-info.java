/**
 * Authentication SPIs: roles, bearer-token verification, and the check of configured users'
 * passwords that a token issuer needs. JDK only, so that a verifier or issuer can live in a module
 * of its own (the JOSE library stays out of the core).
 */
package org.servicemanager.api.security;
