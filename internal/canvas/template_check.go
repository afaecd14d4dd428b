package canvas

import (
	"regexp"
	"strings"

	"github.com/atrium-mlops/atrium/internal/people"
	"gopkg.in/yaml.v3"
)

var templateIDRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9.-]{0,62}[a-z0-9])?$`)

// momentTitles are shown when a template leaves a moment's title out.
var momentTitles = map[string]string{
	"before": "Before deployment",
	"during": "During deployment",
	"after":  "After deployment",
}

// validateTemplate checks the rules a decoded template must meet. root is
// its YAML tree, walked in step with t to give every problem its line.
func validateTemplate(t *Template, root *yaml.Node, fail failFunc) error {
	trimTemplate(t)
	if t.ID == "" {
		return fail(lineOf(root, "id"), "the template id is required")
	}
	// Template ids may also hold inner dots, so a version can be part of
	// the id (mlops-canvas-v0.1).
	if !templateIDRE.MatchString(t.ID) {
		return fail(lineOf(root, "id"), "the template id %q must be lower-case letters, digits and inner hyphens or dots, at most 64 characters", t.ID)
	}
	checks := []struct {
		key, what, v string
		max          int
		required     bool
		multi        bool
	}{
		{"name", "the template name", t.Name, MaxTitle, true, false},
		{"version", "the template version", t.Version, 40, false, false},
		{"description", "the description", t.Description, 2000, false, true},
	}
	for _, c := range checks {
		if p := textProblem(c.what, c.v, c.max, c.required, c.multi); p != "" {
			return fail(lineOf(root, c.key), "%s", p)
		}
	}
	if err := validateHeader(t, root, fail); err != nil {
		return err
	}
	if len(t.Phases) == 0 {
		return fail(lineOf(root, "phases"), "a template needs at least one phase")
	}
	phaseLines := map[string]int{}
	sectionLines := map[string]int{}
	for i := range t.Phases {
		p := &t.Phases[i]
		pn := item(root, "phases", i)
		if prob := slugProblem("the phase id", p.ID); prob != "" {
			return fail(lineOf(pn, "id"), "%s", prob)
		}
		if first, dup := phaseLines[p.ID]; dup {
			return fail(lineOf(pn, "id"), "phase %q appears twice (first at line %d)", p.ID, first)
		}
		phaseLines[p.ID] = lineOf(pn, "id")
		if prob := textProblem("the title of phase "+quote(p.ID), p.Title, MaxTitle, true, false); prob != "" {
			return fail(lineOf(pn, "title"), "%s", prob)
		}
		if prob := textProblem("the purpose of phase "+quote(p.ID), p.Purpose, maxPromptLen, false, false); prob != "" {
			return fail(lineOf(pn, "purpose"), "%s", prob)
		}
		for j := range p.Sections {
			sn := item(pn, "sections", j)
			s := &p.Sections[j]
			if prob := slugProblem("the section id", s.ID); prob != "" {
				return fail(lineOf(sn, "id"), "%s", prob)
			}
			if first, dup := sectionLines[s.ID]; dup {
				return fail(lineOf(sn, "id"), "section %q appears twice (first at line %d)", s.ID, first)
			}
			sectionLines[s.ID] = lineOf(sn, "id")
			if err := validateSection(s, sn, fail); err != nil {
				return err
			}
		}
	}
	if len(sectionLines) == 0 {
		return fail(lineOf(root, "phases"), "a template needs at least one section")
	}
	return nil
}

func validateHeader(t *Template, root *yaml.Node, fail failFunc) error {
	seen := map[string]int{}
	labels := map[string]string{}
	for i := range t.Header {
		f := &t.Header[i]
		fn := item(root, "header", i)
		if p := slugProblem("the header field id", f.ID); p != "" {
			return fail(lineOf(fn, "id"), "%s", p)
		}
		if f.ID == "title" {
			return fail(lineOf(fn, "id"), `header field id "title" is reserved for the canvas title; choose another id`)
		}
		if first, dup := seen[f.ID]; dup {
			return fail(lineOf(fn, "id"), "header field %q appears twice (first at line %d)", f.ID, first)
		}
		seen[f.ID] = lineOf(fn, "id")
		if p := textProblem("the label of header field "+quote(f.ID), f.Label, MaxTitle, true, false); p != "" {
			return fail(lineOf(fn, "label"), "%s", p)
		}
		// The Markdown export names fields by label, so labels must differ.
		if other, dup := labels[strings.ToLower(f.Label)]; dup {
			return fail(lineOf(fn, "label"), "header fields %q and %q have the same label %q", other, f.ID, f.Label)
		}
		labels[strings.ToLower(f.Label)] = f.ID
		if p := textProblem("the help of header field "+quote(f.ID), f.Help, maxPromptLen, false, false); p != "" {
			return fail(lineOf(fn, "help"), "%s", p)
		}
		if f.Kind == "" {
			f.Kind = "text"
		}
		if !contains(FieldKinds, f.Kind) {
			return fail(lineOf(fn, "kind"), "header field %q has kind %q, which is not one of %s", f.ID, f.Kind, oneOf(FieldKinds))
		}
	}
	return nil
}

func validateSection(s *SectionDef, sn *yaml.Node, fail failFunc) error {
	name := "section " + quote(s.ID)
	if p := textProblem("the title of "+name, s.Title, MaxTitle, true, false); p != "" {
		return fail(lineOf(sn, "title"), "%s", p)
	}
	if err := validatePrompts(name, s.Prompts, sn, fail); err != nil {
		return err
	}
	seen := map[string]bool{}
	for k, kind := range s.Evidence {
		line := item(sn, "evidence", k).Line
		if !contains(EvidenceKinds, kind) {
			return fail(line, "evidence kind %q is not one of %s", kind, oneOf(EvidenceKinds))
		}
		if seen[kind] {
			return fail(line, "evidence kind %q is listed twice in %s", kind, name)
		}
		seen[kind] = true
	}
	if s.Stakeholders != "" && !contains(people.StakeholderKinds, s.Stakeholders) {
		return fail(lineOf(sn, "stakeholders"), "stakeholder kind %q is not one of %s", s.Stakeholders, oneOf(people.StakeholderKinds))
	}
	moments := map[string]int{}
	for k := range s.Moments {
		m := &s.Moments[k]
		mn := item(sn, "moments", k)
		if !contains(MomentIDs, m.ID) {
			return fail(lineOf(mn, "id"), "moment %q is not one of %s", m.ID, oneOf(MomentIDs))
		}
		if first, dup := moments[m.ID]; dup {
			return fail(lineOf(mn, "id"), "moment %q appears twice in %s (first at line %d)", m.ID, name, first)
		}
		moments[m.ID] = lineOf(mn, "id")
		if m.Title == "" {
			m.Title = momentTitles[m.ID]
		}
		if p := textProblem("the title of moment "+quote(m.ID), m.Title, MaxTitle, true, false); p != "" {
			return fail(lineOf(mn, "title"), "%s", p)
		}
		if err := validatePrompts("moment "+quote(m.ID)+" of "+name, m.Prompts, mn, fail); err != nil {
			return err
		}
	}
	return nil
}

func validatePrompts(owner string, prompts []string, n *yaml.Node, fail failFunc) error {
	if len(prompts) == 0 {
		return fail(lineOf(n, "prompts"), "%s needs at least one prompt", owner)
	}
	if len(prompts) > maxPrompts {
		return fail(lineOf(n, "prompts"), "%s has %d prompts, at most %d", owner, len(prompts), maxPrompts)
	}
	for i, p := range prompts {
		if prob := textProblem("a prompt of "+owner, p, maxPromptLen, true, false); prob != "" {
			return fail(item(n, "prompts", i).Line, "%s", prob)
		}
	}
	return nil
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// trimTemplate drops the surrounding space YAML block scalars leave behind
// (a folded prompt ends in a newline), so prompts are single lines.
func trimTemplate(t *Template) {
	trim := func(ps ...*string) {
		for _, p := range ps {
			*p = strings.TrimSpace(*p)
		}
	}
	trimAll := func(list []string) {
		for i := range list {
			list[i] = strings.TrimSpace(list[i])
		}
	}
	trim(&t.ID, &t.Name, &t.Version, &t.Description)
	for i := range t.Header {
		f := &t.Header[i]
		trim(&f.ID, &f.Label, &f.Kind, &f.Help)
	}
	for i := range t.Phases {
		p := &t.Phases[i]
		trim(&p.ID, &p.Title, &p.Purpose)
		for j := range p.Sections {
			s := &p.Sections[j]
			trim(&s.ID, &s.Title, &s.Stakeholders)
			trimAll(s.Prompts)
			trimAll(s.Evidence)
			for k := range s.Moments {
				m := &s.Moments[k]
				trim(&m.ID, &m.Title)
				trimAll(m.Prompts)
			}
		}
	}
}
