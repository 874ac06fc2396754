package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/errdex/errdex/articles"
	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/markdown"
	"github.com/errdex/errdex/internal/store"
)

// FuzzDecodeCaseBody feeds the editor API's JSON article bodies (POST
// /cases, PUT /cases/{slug}/{lang}) through what the handlers do before
// the store: strict decoding, then prepare (validation, normalization,
// rendering the markdown source). Every failure must be a 400 naming its
// fields, and an accepted article must survive a second trip unchanged:
// what errdex answers with can be sent back as it is.
func FuzzDecodeCaseBody(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `[]`, `"x"`, `{"slug":"a","lang":"en"} {}`, `{"bogus":1}`, `{"title":1}`,
		`{"slug":"a","lang":"en","title":"0x80070005","errorText":"e","causes":[{"rank":-1,"text":""}]}`,
		`{"slug":"a/b","lang":"ja","title":"t","errorText":"０ｘ８００７０００５","codes":["80070005","80070005"],"status":"draft"}`,
		`{"slug":"a","lang":"en","title":"t","errorText":"e","checks":[{"text":"x","commands":[{"shell":"cmd","code":"a & b","rollback":true}],"substeps":[{"text":"y","commands":[]}]}]}`,
	} {
		f.Add([]byte(s))
	}
	// Real articles, as GET /cases/{slug}/{lang} would send them.
	for _, name := range []string{"ja/access-denied-0x80070005.md", "en/access-violation-0xc0000005.md"} {
		src, err := fs.ReadFile(articles.FS, name)
		if err != nil {
			f.Fatal(err)
		}
		a, _, err := markdown.Parse(name, src)
		if err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		b, _ := json.Marshal(a)
		f.Add(b)
	}
	s := &Server{}
	f.Fuzz(func(t *testing.T, body []byte) {
		// Fail with the input rather than stall the fuzzer.
		timer := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("no answer within 10s for %q", body)) })
		defer timer.Stop()
		a := &article.Article{}
		if p := decodeStrict(bytes.NewReader(body), a); p != nil {
			if p.Status != http.StatusBadRequest || p.Type != typeInvalidBody || len(p.Errors) == 0 || p.Detail == "" {
				t.Fatalf("decode %q: problem %+v, want a 400 naming its field", body, p)
			}
			return
		}
		if err := s.prepare(a, store.Key{}, ""); err != nil {
			checkInvalid(t, body, err)
			return
		}
		first, err := encodeJSON(a)
		if err != nil {
			t.Fatalf("encode the prepared article of %q: %v", body, err)
		}
		b := &article.Article{}
		if p := decodeStrict(bytes.NewReader(first), b); p != nil {
			t.Fatalf("errdex's own JSON does not decode: %+v\nbody: %q\nJSON: %s", p, body, first)
		}
		if err := s.prepare(b, store.Key{}, ""); err != nil {
			t.Fatalf("errdex's own JSON does not validate: %v\nbody: %q\nJSON: %s", err, body, first)
		}
		second, _ := encodeJSON(b)
		if !bytes.Equal(first, second) {
			t.Fatalf("prepare is not idempotent\nbody: %q\nfirst:  %s\nsecond: %s", body, first, second)
		}
	})
}

// checkInvalid insists that a rejected article is a KindInvalid error whose
// every field is a JSON Pointer with a reason, as the problem shows them.
func checkInvalid(t *testing.T, body []byte, err error) {
	t.Helper()
	var de *article.Error
	if !errors.As(err, &de) || de.Kind != article.KindInvalid || len(de.Fields) == 0 || de.Message == "" {
		t.Fatalf("prepare %q: %#v, want a KindInvalid error naming its fields", body, err)
	}
	for _, fe := range de.Fields {
		if fe.Detail == "" || (fe.Pointer != "" && !strings.HasPrefix(fe.Pointer, "/")) {
			t.Fatalf("prepare %q: field error %+v, want a JSON Pointer and a reason", body, fe)
		}
	}
}
