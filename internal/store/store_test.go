package store_test

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/store"
	"github.com/errdex/errdex/internal/testdb"
)

func sample() *article.Article {
	return &article.Article{
		Slug: "access-denied", Lang: "en", Status: article.StatusPublished,
		Title: "Access denied 0x80070005", ErrorText: "0x80070005", Tags: []string{"Windows"},
		Codes: []string{"0x80070005", "0x00000005"}, UpdatedAt: time.Date(2025, 11, 3, 9, 11, 56, 107e6, time.UTC),
		FrontMatterExtra: []article.KeyValue{{Key: "owner", Value: "desk"}},
		Summary: article.Summary{
			Condition: article.Field{Text: "when installing", Qualifier: "1 line"},
			Impact:    article.Field{Text: "nothing installs"},
			Urgency:   article.Urgency{Level: article.UrgencyMedium, Reason: "security fixes wait"},
		},
		Causes: []article.Cause{{Rank: 1, Text: "ACL"}, {Rank: 2, Text: "EDR"}},
		Checks: []article.Step{{Text: "check ACL", Commands: []article.Command{{Shell: "cmd", Code: `icacls "C:\x"`}}}},
		Fix: []article.Step{{Text: "grant", Commands: []article.Command{}, Substeps: []article.Step{
			{Text: "unblock", Commands: []article.Command{{Shell: "powershell", Code: "Unblock-File x"}}},
			{Text: "gui", Commands: []article.Command{}},
		}}, {Text: "retry", Commands: []article.Command{}}},
		PermanentFixes: []string{"fix ownership"},
		DetailedSteps: []article.Step{{Text: "take ownership", Warnings: []string{"⚠ Warning: careful"}, Commands: []article.Command{
			{Shell: "cmd", Code: "takeown /F x"},
			{Shell: "powershell", Code: "icacls $p /setowner SYSTEM", Label: "Rollback:", Rollback: true},
		}}},
		Warnings:      []string{"⚠ Warning: undo afterwards"},
		Pitfalls:      []string{"Everyone:F"},
		Checklist:     []string{"least privilege"},
		Related:       []article.Related{{Text: "see 0x80070643", Codes: []string{"0x80070643"}}, {Text: "none", Codes: []string{}}},
		References:    []article.Reference{{URL: "https://learn.microsoft.com/x", Title: "icacls"}},
		ExtraSections: []article.Extra{{Heading: "Notes", Body: "free text"}},
		Sections:      []article.Section{{Key: "summary", Heading: "Summary"}, {Key: "extra", Heading: "Notes"}},
		Source:        "# source",
	}
}

func TestSaveAndReadArticle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testdb.Store(t)
	want := sample()
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		saved, _, err := store.SaveArticles(ctx, tx, []*article.Article{want}, store.Change{Author: "test", Origin: "api"})
		if err == nil && !saved[0].Created {
			t.Errorf("first save: Created = false, want true")
		}
		return err
	})
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	got, err := s.Article(ctx, "access-denied", "en")
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("article round trip (-want +got):\n%s", diff)
	}
	byCode, err := s.ArticlesByCodes(ctx, []string{"0x00000005"})
	if err != nil || len(byCode) != 1 || byCode[0].Slug != "access-denied" {
		t.Errorf("ArticlesByCodes(0x00000005) = %v, %v; want the article", byCode, err)
	}

	// Saving again replaces every part and bumps the version.
	want.Causes = want.Causes[:1]
	want.Checks = nil
	err = s.InTx(ctx, func(tx pgx.Tx) error {
		_, _, err := store.SaveArticles(ctx, tx, []*article.Article{want}, store.Change{Author: "test", Origin: "api"})
		return err
	})
	if err != nil {
		t.Fatalf("save again: %v", err)
	}
	got, err = s.Article(ctx, "access-denied", "en")
	if err != nil {
		t.Fatalf("read again: %v", err)
	}
	if got.Version != 2 || len(got.Causes) != 1 || len(got.Checks) != 0 {
		t.Errorf("after resave: version %d, %d causes, %d checks; want 2, 1, 0", got.Version, len(got.Causes), len(got.Checks))
	}
}

func TestSaveRejectsInvalidRowsAtomically(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testdb.Store(t)
	good, bad := sample(), sample()
	bad.Slug = "other"
	bad.Codes = []string{"0xZZ"} // article_codes accepts canonical codes only
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		_, _, err := store.SaveArticles(ctx, tx, []*article.Article{good, bad}, store.Change{Author: "test", Origin: "api"})
		return err
	})
	if kind := article.KindOf(err); kind != article.KindInvalid {
		t.Fatalf("save with a bad reference: kind %q (%v), want invalid", kind, err)
	}
	if n, err := s.CountArticles(ctx); err != nil || n != 0 {
		t.Errorf("articles after failed save = %d, %v; want 0", n, err)
	}
}

func TestMigrationsDownAndUp(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	m, err := store.NewMigrator(url)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	v, dirty, err := m.Version()
	if err != nil || dirty || v == 0 {
		t.Fatalf("version = %d dirty %v err %v; want a clean applied version", v, dirty, err)
	}
	if err := m.Down(); err != nil {
		t.Fatalf("down: %v", err)
	}
	if v, _, _ := m.Version(); v != 0 {
		t.Errorf("version after down = %d, want 0", v)
	}
	if err := m.Up(); err != nil {
		t.Fatalf("up again: %v", err)
	}
}

// TestMigrationCarriesArticleBodies steps the schema down past 000006 (JSON
// back in json columns, a revision's status back in its content) and
// 000005 (the body back into child tables), and up again: the article and
// its revision read back the same both ways round.
func TestMigrationCarriesArticleBodies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := testdb.URL(t)
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := sample()
	want.Status = article.StatusDraft // a status other than the default, for the revision
	err = s.InTx(ctx, func(tx pgx.Tx) error {
		_, _, err := store.SaveArticles(ctx, tx, []*article.Article{want}, store.Change{Author: "test", Origin: "api"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.Article(ctx, want.Slug, want.Lang)
	if err != nil {
		t.Fatal(err)
	}
	revBefore, err := s.Revision(ctx, want.Slug, want.Lang, 1)
	if err != nil {
		t.Fatal(err)
	}
	if revBefore.Content.Status != article.StatusDraft {
		t.Fatalf("revision status %q, want draft", revBefore.Content.Status)
	}
	m, err := store.NewMigrator(url)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	v, _, err := m.Version()
	if err != nil || v != 6 {
		t.Fatalf("version %d, %v; this test is about stepping over 000005 and 000006 (update it with the next migration)", v, err)
	}
	var steps, commands int
	var status string
	if err := m.Steps(-2); err != nil {
		t.Fatalf("down: %v", err)
	}
	err = s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM steps), (SELECT count(*) FROM commands),
		(SELECT content->>'status' FROM revisions)`).Scan(&steps, &commands, &status)
	if err != nil || steps != 6 || commands != 4 || status != "draft" {
		t.Errorf("after down: %d steps, %d commands, revision status %q (%v); want 6, 4, draft", steps, commands, status, err)
	}
	if err := m.Steps(2); err != nil {
		t.Fatalf("up: %v", err)
	}
	s.Pool().Reset() // cached statement plans name the dropped column
	after, err := s.Article(ctx, want.Slug, want.Lang)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("article after down and up (-before +after):\n%s", diff)
	}
	revAfter, err := s.Revision(ctx, want.Slug, want.Lang, 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(revBefore, revAfter); diff != "" {
		t.Errorf("revision after down and up (-before +after):\n%s", diff)
	}
}

// TestInTxSettlesACutOffCommit cuts COMMIT off with the context, as a
// request's deadline does, while PostgreSQL is still committing: a
// deferred trigger makes COMMIT take 400 ms and, for a negative id, fail.
// pgx then closes the connection and asks the server to cancel; the
// trigger swallows the cancel, as a COMMIT past the point where a cancel
// can stop it does. InTx must report what the server did, not the cut.
func TestInTxSettlesACutOffCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testdb.Store(t)
	if _, err := s.Pool().Exec(ctx, `
CREATE TABLE commit_probe (id int);
CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	BEGIN
		PERFORM pg_sleep(0.4);
	EXCEPTION WHEN query_canceled THEN
		NULL;
	END;
	IF NEW.id < 0 THEN RAISE EXCEPTION 'refused at commit'; END IF;
	RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON commit_probe
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()`); err != nil {
		t.Fatal(err)
	}
	insert := func(id int) error {
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		return s.InTx(cctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(cctx, `INSERT INTO commit_probe VALUES ($1)`, id)
			return err
		})
	}
	saved := func(id int) bool {
		var n int
		if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM commit_probe WHERE id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}

	if err := insert(1); err != nil || !saved(1) {
		t.Errorf("COMMIT cut off, then done by the server: err %v, saved %v; want nil, true", err, saved(1))
	}
	err := insert(-1)
	if kind := article.KindOf(err); kind != article.KindUnavailable || saved(-1) {
		t.Errorf("COMMIT cut off, then refused by the server: kind %q (%v), saved %v; want unavailable, false", kind, err, saved(-1))
	}
	if err != nil && strings.Contains(err.Error(), "may or may not") {
		t.Errorf("a refused COMMIT is certain, but the error says it is not: %v", err)
	}
}

// TestCommitOutcomeUndecided asks about a transaction that stays open, as
// one whose COMMIT the server has not finished: after the check's timeout
// the answer is a 503 that says the write may have been saved.
func TestCommitOutcomeUndecided(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testdb.Store(t)
	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // the test's own transaction
	var xid string
	if err := tx.QueryRow(ctx, `SELECT pg_current_xact_id()::text`).Scan(&xid); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = store.CommitOutcome(s, ctx, xid, io.ErrUnexpectedEOF)
	took := time.Since(start)
	if article.KindOf(err) != article.KindUnavailable || !strings.Contains(err.Error(), "may or may not have been saved") {
		t.Errorf("undecided commit: %v, want unavailable, may or may not have been saved", err)
	}
	if took < store.CommitCheckTimeout || took > store.CommitCheckTimeout+time.Second {
		t.Errorf("undecided commit answered after %v, want about %v", took, store.CommitCheckTimeout)
	}
}

// TestEditNamesWhatARacingWriteAdded: a save names what the article it
// replaces touched, even when another write changed that article after
// the save read it: a code that write added, and answers for it cached
// meanwhile, must be dropped when this save takes the code away again.
func TestEditNamesWhatARacingWriteAdded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testdb.Store(t)
	a := sample()
	key := store.Key{Slug: a.Slug, Lang: a.Lang}
	if _, _, err := s.Edit(ctx, key, store.Change{Author: "test", Origin: "api"},
		func(*article.Article) (*article.Article, error) { return a, nil }); err != nil {
		t.Fatal(err)
	}

	// The racing write adds a code and holds its transaction open.
	added, release, racerDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		racerDone <- s.InTx(ctx, func(tx pgx.Tx) error {
			b := sample()
			b.Codes = []string{"0x80070005", "0x8007000e"}
			if _, _, err := store.SaveArticles(ctx, tx, []*article.Article{b}, store.Change{Author: "racer", Origin: "import"}); err != nil {
				return err
			}
			close(added)
			<-release
			return nil
		})
	}()
	<-added

	// The edit reads the article as it was before the racing write.
	type result struct {
		touched store.Touched
		err     error
	}
	edited := make(chan result, 1)
	go func() {
		_, touched, err := s.Edit(ctx, key, store.Change{Author: "test", Origin: "api"},
			func(cur *article.Article) (*article.Article, error) { cur.Title = "Edited"; return cur, nil })
		edited <- result{touched, err}
	}()
	// Once it waits on the racing write's lock, let that write commit.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if time.Now().After(deadline) {
			close(release)
			t.Fatal("the edit never waited on the racing write's lock")
		}
		var waiting int
		if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	if err := <-racerDone; err != nil {
		t.Fatal(err)
	}
	res := <-edited
	if res.err != nil {
		t.Fatal(res.err)
	}
	if !slices.Contains(res.touched.Codes, "0x8007000e") || !slices.Contains(res.touched.Codes, "0x80070005") {
		t.Errorf("the edit touched %v, want the racing write's 0x8007000e and the article's 0x80070005", res.touched.Codes)
	}
}
