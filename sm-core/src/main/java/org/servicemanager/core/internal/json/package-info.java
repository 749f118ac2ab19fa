/** JSON reading with precise client errors, and the JSON form of every resource. Not API. */
package org.servicemanager.core.internal.json;
