package canvas

// SectionEdit is a change to one section. Nil fields stay as they are.
// BaseVersion is the section version the edit was made from (0 for a section
// never saved); the store refuses a mismatch with a *EditConflict (kind
// Conflict).
type SectionEdit struct {
	SectionID   string
	Content     *string
	Status      *Status
	OwnerID     *string // "" clears the owner
	BaseVersion int64
}

// Normalize checks an edit against the canvas's template: the section must
// be one of the template's, the content is checked as NormalizeContent does
// and the status is read as ParseStatus does. Content and Status are
// replaced, never written through, so the caller's values stay as they were.
func (e *SectionEdit) Normalize(t *Template) error {
	if t == nil {
		return invalid("saving a section needs the canvas's template")
	}
	if _, _, ok := t.Section(e.SectionID); !ok {
		return invalid("template %q has no section %q", t.ID, e.SectionID)
	}
	if e.Content != nil {
		c, err := NormalizeContent(*e.Content)
		if err != nil {
			return err
		}
		e.Content = &c
	}
	if e.Status != nil {
		st, err := ParseStatus(string(*e.Status))
		if err != nil {
			return err
		}
		e.Status = &st
	}
	return nil
}

// NextStatus is the status of a section after an edit that leaves its text
// as content: the status the edit asks for, if it asks for one; otherwise
// draft when the first text arrives in an empty section, empty when all of
// the text is removed (nothing is left to agree on), and the status it had
// in every other case.
func NextStatus(cur Section, content string, requested *Status) Status {
	switch {
	case requested != nil:
		return *requested
	case content != "" && cur.Content == "" && cur.Status == Empty:
		return Draft
	case content == "" && cur.Content != "":
		return Empty
	}
	return cur.Status
}
