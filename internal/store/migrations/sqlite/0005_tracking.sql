-- Experiment tracking (experiments, runs, their params, tags and metrics),
-- the MLflow-facing state of registry versions, and use-case scopes on API
-- tokens. Times of tracking rows are MLflow's: milliseconds since the epoch,
-- as the client sent them; created_at columns are Atrium's own UTC text.

-- A token may be bound to one use case: it then acts only there, and the
-- MLflow API maps flat names onto that use case.
ALTER TABLE api_tokens ADD COLUMN usecase_id TEXT REFERENCES usecases(id) ON DELETE CASCADE;

-- When a registered model was last changed through any path that changes it
-- (description, tags, rename, new version); NULL until the first change.
ALTER TABLE registry_assets ADD COLUMN updated_at TEXT;

CREATE TABLE tracking_experiments (
    id                TEXT PRIMARY KEY,
    usecase_id        TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    artifact_location TEXT NOT NULL,
    lifecycle_stage   TEXT NOT NULL,
    tags              TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    creation_time     BIGINT NOT NULL,
    last_update_time  BIGINT NOT NULL,
    UNIQUE (usecase_id, name)
);

CREATE TABLE tracking_runs (
    id              TEXT PRIMARY KEY,
    experiment_id   TEXT NOT NULL REFERENCES tracking_experiments(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    status          TEXT NOT NULL,
    start_time      BIGINT NOT NULL,
    end_time        BIGINT,
    lifecycle_stage TEXT NOT NULL,
    artifact_uri    TEXT NOT NULL,
    user_name       TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX tracking_runs_experiment ON tracking_runs(experiment_id, start_time);

-- A param is written once: logging another value for its key is refused.
CREATE TABLE tracking_params (
    run_id TEXT NOT NULL REFERENCES tracking_runs(id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);

CREATE TABLE tracking_tags (
    run_id TEXT NOT NULL REFERENCES tracking_runs(id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);

-- Every logged value of every metric. value is 0 and is_nan true for NaN
-- (SQLite cannot store a NaN); infinities are stored as such. Logging the
-- very same point twice keeps one, as MLflow's own key does.
-- In SQLite the table is clustered on its key (WITHOUT ROWID): one b-tree
-- insert per value instead of a row plus an index entry.
CREATE TABLE tracking_metrics (
    run_id    TEXT NOT NULL REFERENCES tracking_runs(id) ON DELETE CASCADE,
    key       TEXT NOT NULL,
    step      BIGINT NOT NULL,
    timestamp BIGINT NOT NULL,
    value     DOUBLE PRECISION NOT NULL,
    is_nan    BOOLEAN NOT NULL,
    PRIMARY KEY (run_id, key, step, timestamp, value, is_nan)
) WITHOUT ROWID;

-- The latest value of each metric of a run (highest step, then timestamp),
-- kept up to date by every write so a run reads without scanning history.
CREATE TABLE tracking_latest_metrics (
    run_id    TEXT NOT NULL REFERENCES tracking_runs(id) ON DELETE CASCADE,
    key       TEXT NOT NULL,
    value     DOUBLE PRECISION NOT NULL,
    is_nan    BOOLEAN NOT NULL,
    timestamp BIGINT NOT NULL,
    step      BIGINT NOT NULL,
    PRIMARY KEY (run_id, key)
);

-- Datasets a run used (MLflow's log-inputs): their description as the
-- client gave it (name, digest, source, schema, profile, kept as JSON) and
-- the input's tags, such as its context. Atrium never opens a source.
CREATE TABLE tracking_inputs (
    run_id    TEXT NOT NULL REFERENCES tracking_runs(id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    digest    TEXT NOT NULL,
    dataset   TEXT NOT NULL,
    tags      TEXT NOT NULL,
    logged_at BIGINT NOT NULL,
    PRIMARY KEY (run_id, name, digest)
);

-- Models a run logged (MLflow's LoggedModel): metadata only, never bytes.
CREATE TABLE tracking_logged_models (
    id              TEXT PRIMARY KEY,
    experiment_id   TEXT NOT NULL REFERENCES tracking_experiments(id) ON DELETE CASCADE,
    run_id          TEXT REFERENCES tracking_runs(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    model_type      TEXT NOT NULL,
    status          TEXT NOT NULL,
    artifact_uri    TEXT NOT NULL,
    tags            TEXT NOT NULL,
    params          TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    creation_time   BIGINT NOT NULL,
    last_update_time BIGINT NOT NULL
);
CREATE INDEX tracking_logged_models_run ON tracking_logged_models(run_id);

-- What MLflow may change about a registry version, which the version itself
-- never does: its stage, its description and tags as MLflow edits them, and
-- whether MLflow deleted it (the version stays, archived, so its number is
-- never given again; MLflow no longer lists it).
CREATE TABLE registry_version_state (
    asset_id    TEXT NOT NULL,
    number      BIGINT NOT NULL,
    stage       TEXT NOT NULL,
    description TEXT NOT NULL,
    tags        TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    model_id    TEXT NOT NULL,
    deleted     BOOLEAN NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (asset_id, number),
    FOREIGN KEY (asset_id, number) REFERENCES registry_versions(asset_id, number) ON DELETE CASCADE
);
