package org.servicemanager.core;

import java.util.List;

/**
 * Test access to a Service Manager's route table, so that a rule (who may call what) can be checked
 * on every route rather than on a list a test keeps by hand. Stateless.
 */
public final class RouteTable {
    private RouteTable() {
    }

    /** A route: its method, its pattern ({@code {id}} placeholders) and its access name (e.g. ADMIN). */
    public record Entry(String method, String pattern, String access) {
    }

    public static List<Entry> of(ServiceManager sm) {
        return sm.routes().stream()
                .map(route -> new Entry(route.method(), route.pattern(), route.access().name()))
                .toList();
    }
}
