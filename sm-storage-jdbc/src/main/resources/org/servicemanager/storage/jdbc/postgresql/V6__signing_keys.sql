-- Signing keys of the built-in token issuer (EntityTypes.SIGNING_KEYS), shared by every node so
-- that they all sign and verify alike. id is the key id (kid); public_jwk the public key as JWK
-- JSON; sealed_private_jwk the private key as JWK JSON sealed by the Service Manager's
-- SecretCipher (never stored in clear); retired_at null while the key signs. No foreign keys.
CREATE TABLE signing_keys (
    id TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    algorithm TEXT COLLATE "C" NOT NULL,
    retired_at TIMESTAMP WITH TIME ZONE,
    public_jwk TEXT NOT NULL,
    sealed_private_jwk TEXT NOT NULL,
    CONSTRAINT signing_keys_pkey PRIMARY KEY (id)
);
CREATE INDEX signing_keys_list ON signing_keys (created_at, id);
CREATE TABLE signing_keys_labels (
    entity_id TEXT COLLATE "C" NOT NULL,
    label_key TEXT COLLATE "C" NOT NULL,
    label_value TEXT COLLATE "C" NOT NULL,
    ord INTEGER NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT signing_keys_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT signing_keys_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES signing_keys (id) ON DELETE CASCADE
);
CREATE INDEX signing_keys_labels_key_value ON signing_keys_labels (label_key, label_value, entity_id);
CREATE INDEX signing_keys_labels_page ON signing_keys_labels (label_key, label_value, created_at, entity_id);
