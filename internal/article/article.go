// Package article holds the errdex domain: a case article and its parts,
// as described by shared/FORMAT.md, independent of storage and transport.
package article

import "time"

// Status values of an article. Drafts are visible to editors only.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusArchived  = "archived"
)

// Urgency levels, normalized from 緊急/高/中/低 and Critical/High/Medium/Low.
const (
	UrgencyCritical = "critical"
	UrgencyHigh     = "high"
	UrgencyMedium   = "medium"
	UrgencyLow      = "low"
)

// Section keys name the known sections of FORMAT.md; SectionExtra marks a
// section errdex does not know, kept verbatim.
const (
	SectionSummary        = "summary"
	SectionCauses         = "causes"
	SectionChecks         = "checks"
	SectionFix            = "fix"
	SectionPermanentFixes = "permanentFixes"
	SectionDetailedSteps  = "detailedSteps"
	SectionPitfalls       = "pitfalls"
	SectionChecklist      = "checklist"
	SectionRelated        = "related"
	SectionReferences     = "references"
	SectionExtra          = "extra"
)

// Article is one case in one language, identified by (Slug, Lang).
type Article struct {
	ID        int64     `json:"id,omitempty"`
	Slug      string    `json:"slug"`
	Lang      string    `json:"lang"`
	Status    string    `json:"status,omitempty"`
	Title     string    `json:"title"`
	ErrorText string    `json:"errorText"`
	Tags      []string  `json:"tags"`
	Codes     []string  `json:"codes"` // canonical codes (errcode.Code.String())
	UpdatedAt time.Time `json:"updatedAt"`
	Version   int       `json:"version,omitempty"` // revision number, bumped on every change

	// Preamble is the markdown before the first "## " heading, kept verbatim.
	Preamble string `json:"preamble,omitempty"`
	// FrontMatterExtra keeps front-matter keys errdex does not know, in file order.
	FrontMatterExtra []KeyValue `json:"frontMatterExtra,omitempty"`

	Summary        Summary     `json:"summary"`
	Causes         []Cause     `json:"causes"`
	Checks         []Step      `json:"checks"`
	Fix            []Step      `json:"fix"`
	PermanentFixes []string    `json:"permanentFixes"`
	DetailedSteps  []Step      `json:"detailedSteps"`
	Warnings       []string    `json:"warnings"` // section-level "⚠ 注意:" / "⚠ Warning:" paragraphs
	Pitfalls       []string    `json:"pitfalls"`
	Checklist      []string    `json:"checklist"`
	Related        []Related   `json:"related"`
	References     []Reference `json:"references"`
	ExtraSections  []Extra     `json:"extraSections"`

	// Sections records the layout as written: every "## " section in file
	// order with its heading and qualifier, so rendering gives the file back.
	Sections []Section `json:"sections"`

	// RelatedLinks and ReferencedBy are derived on read, never stored: the
	// published cases filed under the codes the related items mention, and
	// the cases whose related items mention this article's codes. Writes
	// ignore them.
	RelatedLinks []Link `json:"relatedLinks,omitempty"`
	ReferencedBy []Link `json:"referencedBy,omitempty"`

	// Source is the markdown the article was read from (or rendered to),
	// SourcePath the file it came from relative to its import root.
	Source     string `json:"-"`
	SourcePath string `json:"-"`
}

// KeyValue is one unknown front-matter entry; Value is its YAML text.
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Summary is the 要約 / Summary section.
type Summary struct {
	Condition Field   `json:"condition"`
	Impact    Field   `json:"impact"`
	Urgency   Urgency `json:"urgency"`
	// Notes keeps summary bullets with no known label, verbatim.
	Notes []string `json:"notes,omitempty"`
}

// Field is a labelled summary value; Qualifier is the label's "(...)" part.
type Field struct {
	Text      string `json:"text"`
	Qualifier string `json:"qualifier,omitempty"`
}

// Urgency is the summary's urgency: a normalized level and its reason.
type Urgency struct {
	Level     string `json:"level"` // one of the Urgency* constants, or "" when absent
	Reason    string `json:"reason"`
	Qualifier string `json:"qualifier,omitempty"` // as written, e.g. "中、理由1行"
}

// Cause is one likely cause; Rank 1 is the most likely.
type Cause struct {
	Rank int    `json:"rank"`
	Text string `json:"text"`
}

// Step is a check, a fix step or a detailed step: markdown text, the
// commands under it, nested sub-steps and warnings.
type Step struct {
	Text     string    `json:"text"`
	Commands []Command `json:"commands"`
	Substeps []Step    `json:"substeps,omitempty"`
	Warnings []string  `json:"warnings,omitempty"`
}

// Command is a fenced code block with its exact bytes.
type Command struct {
	Shell    string `json:"shell"` // the fence's info string: cmd, powershell, ...
	Code     string `json:"code"`
	Label    string `json:"label,omitempty"` // the paragraph introducing it, e.g. "ロールバック例（SYSTEMに戻す）:"
	Rollback bool   `json:"rollback"`
}

// Related is a related-case item and the codes it mentions.
type Related struct {
	Text  string   `json:"text"`
	Codes []string `json:"codes"`
}

// Link points to another published case, in the linking article's
// language when the case has it.
type Link struct {
	Item  int    `json:"item,omitempty"` // in RelatedLinks: the related item's 1-based position
	Code  string `json:"code"`           // the code the link goes through
	Slug  string `json:"slug"`
	Lang  string `json:"lang"`
	Title string `json:"title"`
}

// Reference is a primary-documentation link.
type Reference struct {
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
}

// Extra is a section errdex does not know, kept verbatim.
type Extra struct {
	Heading string `json:"heading"`
	Body    string `json:"body"`
}

// Section is one "## " heading as written. Key is a Section* constant.
// Notes keeps blocks of a known section that fit none of its fields.
type Section struct {
	Key       string   `json:"key"`
	Heading   string   `json:"heading"`
	Qualifier string   `json:"qualifier,omitempty"`
	Notes     []string `json:"notes,omitempty"`
}
