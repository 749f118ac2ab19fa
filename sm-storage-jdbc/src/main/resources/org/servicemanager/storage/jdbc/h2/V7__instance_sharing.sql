-- Instance sharing (issue 13). shared: an administrator let other platforms reference the instance;
-- false in the rows of earlier releases, which had no sharing. referenced_instance_id: for a
-- reference instance, the shared instance it stands for; null otherwise. No foreign key: the
-- Service Manager refuses to delete a shared instance while references exist, with a message that
-- names them, which a constraint could not; the index makes that check and the references'
-- listing a look-up.
ALTER TABLE service_instances ADD COLUMN shared BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE service_instances ADD COLUMN referenced_instance_id VARCHAR;
CREATE INDEX service_instances_referenced_instance_id ON service_instances (referenced_instance_id);
