-- Living canvases: canvases made from templates, their sections (current
-- state and every saved revision), comments, published iterations,
-- measurable objectives, the stakeholder register, the decision log, and the
-- full-text search index over section contents and decisions.
CREATE TABLE canvases (
    id          TEXT PRIMARY KEY,
    usecase_id  TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    template_id TEXT NOT NULL,
    title       TEXT NOT NULL,
    header      TEXT NOT NULL, -- JSON object: header field id → value
    version     BIGINT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX canvases_usecase ON canvases(usecase_id, created_at);

-- The current state of each section that has ever been saved. updated_by is
-- a user id (or "system"), like actor ids elsewhere, so it has no foreign key.
CREATE TABLE canvas_sections (
    canvas_id  TEXT NOT NULL REFERENCES canvases(id) ON DELETE CASCADE,
    section_id TEXT NOT NULL,
    content    TEXT NOT NULL,
    status     TEXT NOT NULL,
    owner_id   TEXT REFERENCES users(id),
    version    BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (canvas_id, section_id)
);

-- Every save of a section, so an edit conflict can show the version the
-- editor started from.
CREATE TABLE canvas_section_revisions (
    canvas_id  TEXT NOT NULL REFERENCES canvases(id) ON DELETE CASCADE,
    section_id TEXT NOT NULL,
    version    BIGINT NOT NULL,
    content    TEXT NOT NULL,
    status     TEXT NOT NULL,
    owner_id   TEXT,
    author_id  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (canvas_id, section_id, version)
);

CREATE TABLE canvas_comments (
    id         INTEGER PRIMARY KEY,
    canvas_id  TEXT NOT NULL REFERENCES canvases(id) ON DELETE CASCADE,
    section_id TEXT NOT NULL,
    author_id  TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX canvas_comments_section ON canvas_comments(canvas_id, section_id, id);

-- Published iterations. The primary key keeps numbers unique per canvas;
-- writers compute max+1 under the canvas row lock, so they also have no gaps.
CREATE TABLE canvas_iterations (
    canvas_id  TEXT NOT NULL REFERENCES canvases(id) ON DELETE CASCADE,
    number     INTEGER NOT NULL,
    message    TEXT NOT NULL,
    author_id  TEXT NOT NULL,
    snapshot   TEXT NOT NULL, -- JSON: canvas.Snapshot
    created_at TEXT NOT NULL,
    PRIMARY KEY (canvas_id, number)
);

CREATE TABLE objectives (
    id          INTEGER PRIMARY KEY,
    canvas_id   TEXT NOT NULL REFERENCES canvases(id) ON DELETE CASCADE,
    section_id  TEXT NOT NULL,
    metric      TEXT NOT NULL,
    comparator  TEXT NOT NULL,
    target      DOUBLE PRECISION NOT NULL,
    unit        TEXT NOT NULL,
    measured_at TEXT NOT NULL,
    time_window TEXT NOT NULL,
    min_samples BIGINT NOT NULL,
    notes       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX objectives_canvas ON objectives(canvas_id, section_id, id);

CREATE TABLE stakeholders (
    id          INTEGER PRIMARY KEY,
    usecase_id  TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    contact     TEXT NOT NULL,
    concerns    TEXT NOT NULL,
    before_text TEXT NOT NULL,
    during_text TEXT NOT NULL,
    after_text  TEXT NOT NULL,
    notes       TEXT NOT NULL,
    subjects    TEXT NOT NULL, -- JSON array of subject keys or e-mails
    version     BIGINT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX stakeholders_usecase ON stakeholders(usecase_id, id);

CREATE TABLE decisions (
    id           INTEGER PRIMARY KEY,
    usecase_id   TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    title        TEXT NOT NULL,
    context      TEXT NOT NULL,
    options      TEXT NOT NULL,
    decision     TEXT NOT NULL,
    rationale    TEXT NOT NULL,
    consequences TEXT NOT NULL,
    status       TEXT NOT NULL,
    decided_by   TEXT NOT NULL,
    decided_at   TEXT NOT NULL,
    supersedes   INTEGER NOT NULL, -- a decision number of the same use case, 0 for none
    links        TEXT NOT NULL,    -- JSON array of canvas.Link
    version      BIGINT NOT NULL,
    author_id    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (usecase_id, number)
);

-- What full-text search looks through: one row per saved section with text
-- (kind "section", ref "<canvas id>/<section id>") and per decision (kind
-- "decision", ref its id). Written in the same transactions as the objects.
CREATE TABLE search_docs (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    ref        TEXT NOT NULL,
    usecase_id TEXT NOT NULL REFERENCES usecases(id) ON DELETE CASCADE,
    canvas_id  TEXT REFERENCES canvases(id) ON DELETE CASCADE,
    section_id TEXT NOT NULL,
    decision   INTEGER NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    UNIQUE (kind, ref)
);
CREATE INDEX search_docs_usecase ON search_docs(usecase_id);

-- SQLite: an FTS5 index over search_docs (external content, so the text is
-- stored once), kept in step by triggers inside the writing transaction.
CREATE VIRTUAL TABLE search_fts USING fts5(
    title, body,
    content = 'search_docs', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
