-- Rendered Markdown, kept beside its source so that reading a canvas never
-- renders: NULL until the server renders it, at save time, or at start for
-- rows saved before this column existed.
ALTER TABLE canvas_sections ADD COLUMN html TEXT;
ALTER TABLE canvas_section_revisions ADD COLUMN html TEXT;
ALTER TABLE canvas_comments ADD COLUMN html TEXT;

-- An iteration's sections as rendered when it was published, one row each
-- so that showing it copies text instead of decoding a document. rendered
-- marks iterations whose rows are complete.
CREATE TABLE canvas_iteration_html (
    canvas_id  TEXT NOT NULL,
    number     INTEGER NOT NULL,
    section_id TEXT NOT NULL,
    html       TEXT NOT NULL,
    PRIMARY KEY (canvas_id, number, section_id),
    FOREIGN KEY (canvas_id, number) REFERENCES canvas_iterations(canvas_id, number) ON DELETE CASCADE
);
ALTER TABLE canvas_iterations ADD COLUMN rendered BOOLEAN NOT NULL DEFAULT FALSE;

-- Counting a person's recent comments on a section, for the hourly cap.
CREATE INDEX canvas_comments_author ON canvas_comments(canvas_id, section_id, author_id, created_at);
