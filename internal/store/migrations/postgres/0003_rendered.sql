-- Rendered Markdown, kept beside its source so that reading a canvas never
-- renders: NULL until the server renders it, at save time, or at start for
-- rows saved before this column existed.
ALTER TABLE canvas_sections ADD COLUMN html TEXT;
ALTER TABLE canvas_section_revisions ADD COLUMN html TEXT;
ALTER TABLE canvas_comments ADD COLUMN html TEXT;
ALTER TABLE canvas_iterations ADD COLUMN html TEXT; -- JSON object: section id → HTML

-- Counting a person's recent comments on a section, for the hourly cap.
CREATE INDEX canvas_comments_author ON canvas_comments(canvas_id, section_id, author_id, created_at);
