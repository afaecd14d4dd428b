-- Telemetry: what models in production report back (predictions, outcomes,
-- feedback), the credentials they report with, each use case's privacy
-- policy, and the hourly aggregates dashboards read instead of raw rows.
ALTER TABLE usecases ADD COLUMN high_risk BOOLEAN NOT NULL DEFAULT FALSE;

-- Ingestion keys: a client reports events for one use case with one. Only
-- the SHA-256 of the secret is kept; prefix tells keys apart.
CREATE TABLE ingest_keys (
    id           TEXT PRIMARY KEY,
    usecase_id   TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    model        TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT,
    last_used_at TEXT
);
CREATE INDEX ingest_keys_usecase ON ingest_keys(usecase_id, created_at);

-- A use case's privacy policy; a use case without a row has the default.
-- swept_before is the latest retention cutoff before which payloads were
-- removed (NULL: none ever was), after which raw rows no longer recount the
-- aggregates; payload_floor is how far the sweep has cleared every payload
-- (NULL: from the start).
CREATE TABLE telemetry_policies (
    usecase_id     TEXT PRIMARY KEY REFERENCES usecases(id) ON DELETE CASCADE,
    drop_fields    TEXT NOT NULL, -- JSON array of names
    hash_fields    TEXT NOT NULL, -- JSON array of names
    mask_text      BOOLEAN NOT NULL,
    retention_days INTEGER NOT NULL,
    version        BIGINT NOT NULL,
    updated_by     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    swept_before   TEXT,
    payload_floor  TEXT
);

-- Predictions, as accepted: the slim columns, kept for good. Their payload
-- (features, explanation) is in prediction_payloads, below. ts is compared
-- byte-wise (COLLATE "C"), as the fixed-width text it is, like the payload's.
-- The id is the client's, unique within the use case: a retry is a
-- duplicate, not a second prediction. Predictions and outcomes carry no
-- foreign key: they are the hot path (a key check per row), use cases are
-- never deleted, and WriteTelemetry checks each batch's use case once.
CREATE TABLE predictions (
    usecase_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    asset_id    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    alias       TEXT NOT NULL,
    ts          TEXT COLLATE "C" NOT NULL,
    subject     TEXT NOT NULL,
    segments    TEXT NOT NULL, -- JSON object, "{}" for none
    out_label   TEXT,
    out_score   DOUBLE PRECISION,
    out_value   DOUBLE PRECISION,
    latency     DOUBLE PRECISION,
    error       TEXT NOT NULL,
    source      TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    PRIMARY KEY (usecase_id, id)
);
CREATE INDEX predictions_ts ON predictions(usecase_id, ts);

-- Prediction payloads (features, explanation; JSON), partitioned by day of
-- the prediction's time so that retention drops whole partitions:
-- prediction_payloads_YYYYMMDD for [day, day+1), made ahead of time by
-- MaintainPartitions, and the default partition for any other time. ts is
-- compared byte-wise (COLLATE "C"), as the fixed-width text it is.
CREATE TABLE prediction_payloads (
    usecase_id  TEXT NOT NULL,
    ts          TEXT COLLATE "C" NOT NULL,
    id          TEXT NOT NULL,
    features    TEXT,
    explanation TEXT,
    PRIMARY KEY (usecase_id, ts, id)
) PARTITION BY RANGE (ts);
CREATE TABLE prediction_payloads_default PARTITION OF prediction_payloads DEFAULT;

-- The actual label or value of a prediction, one per prediction.
CREATE TABLE outcomes (
    usecase_id    TEXT NOT NULL,
    prediction_id TEXT NOT NULL,
    label         TEXT,
    value         DOUBLE PRECISION,
    ts            TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    PRIMARY KEY (usecase_id, prediction_id)
);

-- What people said. prediction_id is '' when the feedback names none;
-- receipt_hash is the SHA-256 of the author's status-page secret.
CREATE TABLE feedback (
    usecase_id    TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    prediction_id TEXT NOT NULL,
    model_version INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    value         TEXT NOT NULL,
    text          TEXT NOT NULL,
    contact       TEXT NOT NULL,
    ts            TEXT NOT NULL,
    author_id     TEXT NOT NULL,
    link_id       TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    status        TEXT NOT NULL,
    assignee_id   TEXT NOT NULL,
    note          TEXT NOT NULL,
    receipt_hash  TEXT UNIQUE,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (usecase_id, id)
);
CREATE INDEX feedback_ts ON feedback(usecase_id, ts);

-- Decisions of the use case's log that a feedback item led to.
CREATE TABLE feedback_decisions (
    usecase_id      TEXT NOT NULL,
    feedback_id     TEXT NOT NULL,
    decision_number INTEGER NOT NULL,
    PRIMARY KEY (usecase_id, feedback_id, decision_number),
    FOREIGN KEY (usecase_id, feedback_id) REFERENCES feedback(usecase_id, id) ON DELETE CASCADE
);

-- Public feedback addresses; only the SHA-256 of the secret is kept.
CREATE TABLE feedback_links (
    id          TEXT PRIMARY KEY,
    usecase_id  TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    origins     TEXT NOT NULL, -- JSON array
    prefix      TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    revoked_at  TEXT
);
CREATE INDEX feedback_links_usecase ON feedback_links(usecase_id, created_at);

-- Hourly aggregates (telemetry.Aggregate, binary) per model version and
-- segment ('' = all). Feedback that names no prediction is kept under
-- asset_id '' and version 0.
CREATE TABLE telemetry_aggregates (
    usecase_id TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    asset_id   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    hour       TEXT NOT NULL,
    segment    TEXT NOT NULL,
    data       BYTEA NOT NULL,
    PRIMARY KEY (usecase_id, hour, asset_id, version, segment)
);
