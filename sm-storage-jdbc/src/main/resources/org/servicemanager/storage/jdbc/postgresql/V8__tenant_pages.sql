-- Multitenancy: a tenant's list with a field query (service_plan_id or platform_id eq) also carries
-- the tenant's label predicate. Ordering the field's index by (created_at, id) lets a page walk it in
-- list order, and lets the count be answered from the index alone (it holds the id the label
-- predicate joins on). The indexes replace the single-column ones under the same names, so writes
-- maintain as many indexes as before.
DROP INDEX service_instances_service_plan_id;
CREATE INDEX service_instances_service_plan_id ON service_instances (service_plan_id, created_at, id);
DROP INDEX service_instances_platform_id;
CREATE INDEX service_instances_platform_id ON service_instances (platform_id, created_at, id);
DROP INDEX service_bindings_service_instance_id;
CREATE INDEX service_bindings_service_instance_id ON service_bindings (service_instance_id, created_at, id);
DROP INDEX service_bindings_platform_id;
CREATE INDEX service_bindings_platform_id ON service_bindings (platform_id, created_at, id);
