-- Lineage, evaluations and dataset sensitivity of the asset registry.
--
-- Lineage edges join two versions of one use case (or a version and an
-- experiment-tracking run, named by its id without a foreign key: runs live
-- in the tracking tables, which are checked by the store). from_node and
-- to_node are "<asset id>/<number>" or "run/<id>", so traversals and the
-- uniqueness of an edge need no joins.
CREATE TABLE registry_lineage_edges (
    id           INTEGER PRIMARY KEY,
    usecase_id   TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    relation     TEXT NOT NULL,
    from_asset   TEXT NOT NULL,
    from_version BIGINT NOT NULL,
    to_asset     TEXT,
    to_version   BIGINT,
    to_run       TEXT,
    from_node    TEXT NOT NULL,
    to_node      TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (from_node, to_node, relation),
    CHECK ((to_asset IS NULL AND to_version IS NULL AND to_run IS NOT NULL) OR (to_asset IS NOT NULL AND to_version IS NOT NULL AND to_run IS NULL)),
    FOREIGN KEY (from_asset, from_version) REFERENCES registry_versions(asset_id, number) ON DELETE CASCADE,
    FOREIGN KEY (to_asset, to_version) REFERENCES registry_versions(asset_id, number) ON DELETE CASCADE
);
CREATE INDEX registry_lineage_from ON registry_lineage_edges(usecase_id, from_node);
CREATE INDEX registry_lineage_to ON registry_lineage_edges(usecase_id, to_node);

-- Metric results of a model or prompt version on a dataset version of the
-- same use case. Written once, never changed (see the trigger).
CREATE TABLE registry_evaluations (
    id              TEXT PRIMARY KEY,
    usecase_id      TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    asset_id        TEXT NOT NULL,
    version         BIGINT NOT NULL,
    dataset_asset   TEXT NOT NULL,
    dataset_version BIGINT NOT NULL,
    metric          TEXT NOT NULL,
    metric_key      TEXT NOT NULL, -- the metric lower-cased, spaces collapsed: what objectives match
    value           DOUBLE PRECISION NOT NULL,
    slice           TEXT NOT NULL,
    samples         BIGINT NOT NULL,
    note            TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    FOREIGN KEY (asset_id, version) REFERENCES registry_versions(asset_id, number) ON DELETE CASCADE,
    FOREIGN KEY (dataset_asset, dataset_version) REFERENCES registry_versions(asset_id, number) ON DELETE CASCADE
);
CREATE INDEX registry_evaluations_version ON registry_evaluations(asset_id, version, created_at, id);
CREATE INDEX registry_evaluations_metric ON registry_evaluations(usecase_id, metric_key, slice);

CREATE TRIGGER registry_evaluations_immutable BEFORE UPDATE ON registry_evaluations
BEGIN
    SELECT RAISE(ABORT, 'registry evaluations are immutable');
END;

-- A dataset version's sensitivity as it stands (JSON of registry.Sensitivity),
-- and every revision of it, so what was confirmed at any time is known.
CREATE TABLE registry_sensitivity (
    asset_id    TEXT NOT NULL,
    version     BIGINT NOT NULL,
    sensitivity TEXT NOT NULL,
    revision    BIGINT NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_at  TEXT NOT NULL,
    PRIMARY KEY (asset_id, version),
    FOREIGN KEY (asset_id, version) REFERENCES registry_versions(asset_id, number) ON DELETE CASCADE
);

CREATE TABLE registry_sensitivity_history (
    id          INTEGER PRIMARY KEY,
    asset_id    TEXT NOT NULL,
    version     BIGINT NOT NULL,
    revision    BIGINT NOT NULL,
    sensitivity TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_at  TEXT NOT NULL,
    UNIQUE (asset_id, version, revision),
    FOREIGN KEY (asset_id, version) REFERENCES registry_versions(asset_id, number) ON DELETE CASCADE
);

CREATE TRIGGER registry_sensitivity_history_immutable BEFORE UPDATE ON registry_sensitivity_history
BEGIN
    SELECT RAISE(ABORT, 'sensitivity history is immutable');
END;
