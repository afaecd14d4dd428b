-- The asset registry: datasets, models and prompts of a use case, their
-- immutable numbered versions, aliases pointing at one version each, and the
-- history of every alias move (so "what was production at time T" has an
-- answer). Tags, metadata and kind-specific details are JSON stored as text.
CREATE TABLE registry_assets (
    id          TEXT PRIMARY KEY,
    usecase_id  TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    tags        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (usecase_id, kind, name)
);
CREATE INDEX registry_assets_created ON registry_assets(usecase_id, created_at);

-- Versions are written once; only status, status_reason, status_by and
-- status_at ever change.
CREATE TABLE registry_versions (
    asset_id      TEXT NOT NULL REFERENCES registry_assets(id) ON DELETE CASCADE,
    number        BIGINT NOT NULL,
    uri           TEXT NOT NULL,
    digest        TEXT NOT NULL,
    size          BIGINT NOT NULL,
    description   TEXT NOT NULL,
    metadata      TEXT NOT NULL,
    tags          TEXT NOT NULL,
    details       TEXT NOT NULL,
    status        TEXT NOT NULL,
    status_reason TEXT NOT NULL,
    status_by     TEXT NOT NULL,
    status_at     TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (asset_id, number)
);
CREATE INDEX registry_versions_digest ON registry_versions(digest);

CREATE TABLE registry_aliases (
    asset_id   TEXT NOT NULL REFERENCES registry_assets(id) ON DELETE CASCADE,
    alias      TEXT NOT NULL,
    version    BIGINT NOT NULL,
    moved_by   TEXT NOT NULL,
    moved_at   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    PRIMARY KEY (asset_id, alias),
    FOREIGN KEY (asset_id, version) REFERENCES registry_versions(asset_id, number)
);

-- from_version is NULL when the alias was created, to_version NULL when it
-- was deleted.
CREATE TABLE registry_alias_history (
    id           INTEGER PRIMARY KEY,
    asset_id     TEXT NOT NULL REFERENCES registry_assets(id) ON DELETE CASCADE,
    alias        TEXT NOT NULL,
    from_version BIGINT,
    to_version   BIGINT,
    moved_by     TEXT NOT NULL,
    moved_at     TEXT NOT NULL,
    reason       TEXT NOT NULL
);
CREATE INDEX registry_alias_history_at ON registry_alias_history(asset_id, alias, moved_at, id);

-- A version's content is written once. The store never updates it; this
-- trigger makes sure nothing else does either (a status change passes).
CREATE TRIGGER registry_versions_immutable BEFORE UPDATE OF
    asset_id, number, uri, digest, size, description, metadata, tags, details, created_by, created_at
    ON registry_versions
BEGIN
    SELECT RAISE(ABORT, 'registry versions are immutable; only their status may change');
END;
