-- Label pages in list order: each label row also holds its entity's created_at, indexed after the
-- label, so a page of a label query is one ordered index range scan that stops after a page,
-- whatever share of the entities hold the label. Kept equal to the entity's created_at on every write.
ALTER TABLE platforms_labels ADD COLUMN created_at TIMESTAMP WITH TIME ZONE;
UPDATE platforms_labels SET created_at = (SELECT e.created_at FROM platforms e WHERE e.id = platforms_labels.entity_id);
ALTER TABLE platforms_labels ALTER COLUMN created_at SET NOT NULL;
CREATE INDEX platforms_labels_page ON platforms_labels (label_key, label_value, created_at, entity_id);
ALTER TABLE service_brokers_labels ADD COLUMN created_at TIMESTAMP WITH TIME ZONE;
UPDATE service_brokers_labels SET created_at = (SELECT e.created_at FROM service_brokers e WHERE e.id = service_brokers_labels.entity_id);
ALTER TABLE service_brokers_labels ALTER COLUMN created_at SET NOT NULL;
CREATE INDEX service_brokers_labels_page ON service_brokers_labels (label_key, label_value, created_at, entity_id);
ALTER TABLE service_offerings_labels ADD COLUMN created_at TIMESTAMP WITH TIME ZONE;
UPDATE service_offerings_labels SET created_at = (SELECT e.created_at FROM service_offerings e WHERE e.id = service_offerings_labels.entity_id);
ALTER TABLE service_offerings_labels ALTER COLUMN created_at SET NOT NULL;
CREATE INDEX service_offerings_labels_page ON service_offerings_labels (label_key, label_value, created_at, entity_id);
ALTER TABLE service_plans_labels ADD COLUMN created_at TIMESTAMP WITH TIME ZONE;
UPDATE service_plans_labels SET created_at = (SELECT e.created_at FROM service_plans e WHERE e.id = service_plans_labels.entity_id);
ALTER TABLE service_plans_labels ALTER COLUMN created_at SET NOT NULL;
CREATE INDEX service_plans_labels_page ON service_plans_labels (label_key, label_value, created_at, entity_id);
ALTER TABLE visibilities_labels ADD COLUMN created_at TIMESTAMP WITH TIME ZONE;
UPDATE visibilities_labels SET created_at = (SELECT e.created_at FROM visibilities e WHERE e.id = visibilities_labels.entity_id);
ALTER TABLE visibilities_labels ALTER COLUMN created_at SET NOT NULL;
CREATE INDEX visibilities_labels_page ON visibilities_labels (label_key, label_value, created_at, entity_id);
ALTER TABLE service_instances_labels ADD COLUMN created_at TIMESTAMP WITH TIME ZONE;
UPDATE service_instances_labels SET created_at = (SELECT e.created_at FROM service_instances e WHERE e.id = service_instances_labels.entity_id);
ALTER TABLE service_instances_labels ALTER COLUMN created_at SET NOT NULL;
CREATE INDEX service_instances_labels_page ON service_instances_labels (label_key, label_value, created_at, entity_id);
ALTER TABLE service_bindings_labels ADD COLUMN created_at TIMESTAMP WITH TIME ZONE;
UPDATE service_bindings_labels SET created_at = (SELECT e.created_at FROM service_bindings e WHERE e.id = service_bindings_labels.entity_id);
ALTER TABLE service_bindings_labels ALTER COLUMN created_at SET NOT NULL;
CREATE INDEX service_bindings_labels_page ON service_bindings_labels (label_key, label_value, created_at, entity_id);
