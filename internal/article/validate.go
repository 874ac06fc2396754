package article

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/errdex/errdex/internal/errcode"
)

// Limits on what one article may hold, so a single write cannot exhaust
// memory or make every lookup of a code slow.
const (
	MaxTitle    = 300
	MaxText     = 20000 // characters in any one text field
	MaxListLen  = 200   // items in any one list
	MaxCodes    = 50
	MaxSlug     = 200
	MaxStepDeep = 4
)

// Normalize validates a and puts it in canonical form in place: codes
// canonical and deduplicated (defaulting to the codes in title and error
// text), nil lists empty, status defaulted. It returns a KindInvalid *Error
// listing every field at fault as a JSON Pointer.
func Normalize(a *Article) error {
	v := &validator{}
	a.Slug = strings.TrimSpace(a.Slug)
	switch {
	case a.Slug == "":
		v.add("/slug", "slug is required")
	case utf8.RuneCountInString(a.Slug) > MaxSlug || strings.ContainsAny(a.Slug, " \t\r\n"):
		v.add("/slug", fmt.Sprintf("slug must be at most %d characters without spaces", MaxSlug))
	}
	if _, err := language.Parse(a.Lang); a.Lang == "" || err != nil || len(a.Lang) > 35 {
		v.add("/lang", "lang must be a BCP 47 language tag such as ja or en-US")
	}
	switch a.Status {
	case "":
		a.Status = StatusPublished
	case StatusDraft, StatusPublished:
	default:
		v.add("/status", "status must be draft or published")
	}
	v.text("/title", a.Title, true, MaxTitle)
	v.text("/errorText", a.ErrorText, true, MaxText)
	if a.UpdatedAt.IsZero() {
		v.add("/updatedAt", "updatedAt is required (RFC 3339)")
	}
	v.list("/tags", len(a.Tags))
	for i, t := range a.Tags {
		v.text(fmt.Sprintf("/tags/%d", i), t, true, 100)
	}

	v.list("/codes", min(len(a.Codes), MaxListLen+1))
	if len(a.Codes) > MaxCodes {
		v.add("/codes", fmt.Sprintf("at most %d codes", MaxCodes))
	}
	var codes []string
	for i, c := range a.Codes {
		code, err := errcode.Parse(c)
		if err != nil {
			v.add(fmt.Sprintf("/codes/%d", i), fmt.Sprintf("%q is not an error code: %v", c, err))
			continue
		}
		codes = appendUnique(codes, code.String())
	}
	if len(a.Codes) == 0 {
		for _, m := range errcode.Extract(a.Title + "\n" + a.ErrorText) {
			codes = appendUnique(codes, m.Code.String())
		}
	}
	a.Codes = codes

	v.text("/summary/condition/text", a.Summary.Condition.Text, false, MaxText)
	v.text("/summary/impact/text", a.Summary.Impact.Text, false, MaxText)
	v.text("/summary/urgency/reason", a.Summary.Urgency.Reason, false, MaxText)
	switch a.Summary.Urgency.Level {
	case "", UrgencyCritical, UrgencyHigh, UrgencyMedium, UrgencyLow:
	default:
		v.add("/summary/urgency/level", "level must be critical, high, medium or low")
	}
	v.list("/causes", len(a.Causes))
	for i := range a.Causes {
		a.Causes[i].Rank = i + 1 // rank is position; the order sent is the ranking
		v.text(fmt.Sprintf("/causes/%d/text", i), a.Causes[i].Text, true, MaxText)
	}
	v.steps("/checks", a.Checks, 1)
	v.steps("/fix", a.Fix, 1)
	v.steps("/detailedSteps", a.DetailedSteps, 1)
	v.strings("/permanentFixes", a.PermanentFixes)
	v.strings("/pitfalls", a.Pitfalls)
	v.strings("/checklist", a.Checklist)
	v.strings("/warnings", a.Warnings)
	v.list("/related", len(a.Related))
	for i := range a.Related {
		r := &a.Related[i]
		v.text(fmt.Sprintf("/related/%d/text", i), r.Text, true, MaxText)
		if len(r.Codes) == 0 {
			for _, m := range errcode.Extract(r.Text) {
				r.Codes = appendUnique(r.Codes, m.Code.String())
			}
		}
		for j, c := range r.Codes {
			code, err := errcode.Parse(c)
			if err != nil {
				v.add(fmt.Sprintf("/related/%d/codes/%d", i, j), fmt.Sprintf("%q is not an error code", c))
				continue
			}
			r.Codes[j] = code.String()
		}
	}
	v.list("/references", len(a.References))
	for i, r := range a.References {
		u, err := url.Parse(r.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add(fmt.Sprintf("/references/%d/url", i), "url must be an absolute http(s) URL")
		}
	}
	v.list("/extraSections", len(a.ExtraSections))
	for i, e := range a.ExtraSections {
		v.text(fmt.Sprintf("/extraSections/%d/heading", i), e.Heading, true, MaxTitle)
		v.text(fmt.Sprintf("/extraSections/%d/body", i), e.Body, false, MaxText*5)
	}
	fillEmpty(a)
	return v.err()
}

type validator struct{ fields []FieldError }

func (v *validator) add(pointer, detail string) {
	v.fields = append(v.fields, FieldError{Pointer: pointer, Detail: detail})
}

func (v *validator) text(pointer, s string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.add(pointer, "must not be empty")
	case !utf8.ValidString(s):
		v.add(pointer, "must be UTF-8")
	case utf8.RuneCountInString(s) > max:
		v.add(pointer, fmt.Sprintf("must be at most %d characters", max))
	}
}

func (v *validator) list(pointer string, n int) {
	if n > MaxListLen {
		v.add(pointer, fmt.Sprintf("at most %d items", MaxListLen))
	}
}

func (v *validator) strings(pointer string, items []string) {
	v.list(pointer, len(items))
	for i, s := range items {
		v.text(fmt.Sprintf("%s/%d", pointer, i), s, true, MaxText)
	}
}

func (v *validator) steps(pointer string, steps []Step, depth int) {
	if depth > MaxStepDeep {
		v.add(pointer, fmt.Sprintf("steps nest at most %d deep", MaxStepDeep))
		return
	}
	v.list(pointer, len(steps))
	for i := range steps {
		s := &steps[i]
		p := fmt.Sprintf("%s/%d", pointer, i)
		v.text(p+"/text", s.Text, false, MaxText)
		v.list(p+"/commands", len(s.Commands))
		for j, c := range s.Commands {
			v.text(fmt.Sprintf("%s/commands/%d/code", p, j), c.Code, true, MaxText)
			v.text(fmt.Sprintf("%s/commands/%d/shell", p, j), c.Shell, false, 40)
		}
		if s.Commands == nil {
			s.Commands = []Command{}
		}
		v.strings(p+"/warnings", s.Warnings)
		v.steps(p+"/substeps", s.Substeps, depth+1)
	}
}

func (v *validator) err() error {
	if len(v.fields) == 0 {
		return nil
	}
	msg := v.fields[0].Pointer + ": " + v.fields[0].Detail
	if len(v.fields) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(v.fields)-1)
	}
	return &Error{Kind: KindInvalid, Message: msg, Fields: v.fields}
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// fillEmpty makes nil lists empty so JSON shows [] rather than null.
func fillEmpty(a *Article) {
	empty := func(s *[]string) {
		if *s == nil {
			*s = []string{}
		}
	}
	empty(&a.Tags)
	empty(&a.Codes)
	empty(&a.PermanentFixes)
	empty(&a.Warnings)
	empty(&a.Pitfalls)
	empty(&a.Checklist)
	if a.Causes == nil {
		a.Causes = []Cause{}
	}
	for _, s := range []*[]Step{&a.Checks, &a.Fix, &a.DetailedSteps} {
		if *s == nil {
			*s = []Step{}
		}
	}
	if a.Related == nil {
		a.Related = []Related{}
	}
	for i := range a.Related {
		if a.Related[i].Codes == nil {
			a.Related[i].Codes = []string{}
		}
	}
	if a.References == nil {
		a.References = []Reference{}
	}
	if a.ExtraSections == nil {
		a.ExtraSections = []Extra{}
	}
	if a.Sections == nil {
		a.Sections = []Section{}
	}
}
