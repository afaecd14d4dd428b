-- Identity, use cases and the audit trail. Timestamps are fixed-width UTC text.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT,
    admin         BOOLEAN NOT NULL DEFAULT FALSE,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TEXT NOT NULL
);

CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE usecases (
    id         TEXT PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    summary    TEXT NOT NULL,
    team_id    TEXT NOT NULL REFERENCES teams(id),
    owner_id   TEXT NOT NULL REFERENCES users(id),
    stage      TEXT NOT NULL,
    archived   BOOLEAN NOT NULL DEFAULT FALSE,
    version    BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX usecases_team ON usecases(team_id);
CREATE INDEX usecases_owner ON usecases(owner_id);

CREATE TABLE usecase_transitions (
    id         INTEGER PRIMARY KEY,
    usecase_id TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    from_stage TEXT NOT NULL,
    to_stage   TEXT NOT NULL,
    note       TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX usecase_transitions_usecase ON usecase_transitions(usecase_id, id);

CREATE TABLE usecase_grants (
    id         INTEGER PRIMARY KEY,
    usecase_id TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    principal  TEXT NOT NULL,
    user_id    TEXT REFERENCES users(id) ON DELETE CASCADE,
    team_id    TEXT REFERENCES teams(id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    UNIQUE (usecase_id, principal)
);
CREATE INDEX usecase_grants_user ON usecase_grants(user_id);
CREATE INDEX usecase_grants_team ON usecase_grants(team_id);

-- The audit log. audit_head serialises appends (one row, updated by every
-- append, so concurrent writers queue on its row lock in PostgreSQL).
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    size      BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, size, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_entries (
    seq         BIGINT PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    commitment  TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_entries_object ON audit_entries(object_type, object_id);
CREATE INDEX audit_entries_actor ON audit_entries(actor_id);
CREATE INDEX audit_entries_at ON audit_entries(at);

-- Salts of the content commitments. Deleting a row makes the commitment
-- unlinkable to the content (erasure) without breaking the chain.
CREATE TABLE audit_salts (
    seq  BIGINT PRIMARY KEY,
    salt TEXT NOT NULL
);

-- Stored Merkle tree hashes (tlog layout), so a checkpoint costs O(log n).
CREATE TABLE audit_hashes (
    idx  BIGINT PRIMARY KEY,
    hash TEXT NOT NULL
);

CREATE TABLE audit_checkpoints (
    size       BIGINT PRIMARY KEY,
    note       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
