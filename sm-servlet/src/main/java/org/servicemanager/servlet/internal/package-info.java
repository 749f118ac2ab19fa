/**
 * The notification WebSocket of the servlet adapter (Jakarta WebSocket 2.1). Public only where the
 * WebSocket container demands it; not API.
 */
package org.servicemanager.servlet.internal;
