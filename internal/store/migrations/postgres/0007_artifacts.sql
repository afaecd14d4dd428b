-- Artifacts: small files (model cards, evaluation reports, data samples)
-- uploaded to a use case. Their bytes live in the blob store under
-- blob_key, which Atrium makes from the use case's and the artifact's ids;
-- a row is written only after its blob is complete, and removed before its
-- blob is. An artifact may document one registry version (asset_id and
-- asset_version both set, or both NULL).
CREATE TABLE artifacts (
    id            TEXT PRIMARY KEY,
    usecase_id    TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    blob_key      TEXT NOT NULL UNIQUE,
    asset_id      TEXT,
    asset_version BIGINT,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    CHECK ((asset_id IS NULL) = (asset_version IS NULL)),
    FOREIGN KEY (asset_id, asset_version) REFERENCES registry_versions(asset_id, number)
);
CREATE INDEX artifacts_usecase ON artifacts(usecase_id, created_at);
CREATE INDEX artifacts_asset ON artifacts(asset_id, asset_version);
