/** Authentication (HTTP Basic for admins and platforms), password hashing and credential generation. Not API. */
package org.servicemanager.core.internal.security;
