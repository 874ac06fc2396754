// Command gen writes generated article files for the benchmark: the bundled
// articles copied over and over, each copy with its own slug and its own
// error code (0x8007xxxx for the first half, 0x8024xxxx for the second),
// the code replaced in title and errorText and set in `codes:`. It prints
// the codes, one a line, to -codes.
//
//	go run ./bench/gen -n 10000 -out DIR -codes codes.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/errdex/errdex/articles"
)

var (
	// fileCode is the code a bundled file is named after.
	fileCode = regexp.MustCompile(`(?i)0x[0-9a-f]{8}`)
	slugLine = regexp.MustCompile(`(?m)^slug:.*\n`)
	codeLine = regexp.MustCompile(`(?m)^codes:.*\n`)
	langLine = regexp.MustCompile(`(?m)^lang:.*\n`)
	// frontLine matches the front-matter lines whose code is replaced.
	frontLine = regexp.MustCompile(`(?m)^(title|errorText):.*$`)
)

func main() {
	n := flag.Int("n", 10000, "how many articles to write")
	out := flag.String("out", "", "folder to write the articles into (created)")
	codesPath := flag.String("codes", "", "file to write the generated codes into, one a line")
	flag.Parse()
	if *out == "" || *codesPath == "" || *n <= 0 || *n > 2*0xe000 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*n, *out, *codesPath); err != nil {
		log.Fatal(err)
	}
}

// code returns the i-th generated code: distinct for every i, none of them
// a bundled article's code (those stay below 0x80071000 / 0x80241000).
func code(i, n int) string {
	half := (n + 1) / 2
	if i < half {
		return fmt.Sprintf("0x8007%04x", 0x1000+i)
	}
	return fmt.Sprintf("0x8024%04x", 0x1000+i-half)
}

func run(n int, out, codesPath string) error {
	names, err := fs.Glob(articles.FS, "*/*.md")
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("no bundled articles")
	}
	type template struct {
		name, code string
		src        []byte
		orig       *regexp.Regexp // the template's code, in any case
	}
	templates := make([]template, 0, len(names))
	for _, name := range names {
		src, err := fs.ReadFile(articles.FS, name)
		if err != nil {
			return err
		}
		c := fileCode.FindString(path.Base(name))
		if c == "" {
			return fmt.Errorf("%s: no code in the file name", name)
		}
		templates = append(templates, template{name: name, code: c, src: src, orig: regexp.MustCompile(`(?i)` + regexp.QuoteMeta(c))})
	}
	codesFile, err := os.Create(codesPath)
	if err != nil {
		return err
	}
	codes := bufio.NewWriter(codesFile)
	for i := range n {
		t := templates[i%len(templates)]
		c := code(i, n)
		base := strings.TrimSuffix(path.Base(t.name), path.Ext(t.name))
		slug := fmt.Sprintf("bench-%05d-%s", i, strings.Replace(strings.ToLower(base), strings.ToLower(t.code), c, 1))
		src := t.src
		src = frontLine.ReplaceAllFunc(src, func(line []byte) []byte { return t.orig.ReplaceAll(line, []byte(c)) })
		src = slugLine.ReplaceAll(src, nil)
		src = codeLine.ReplaceAll(src, nil)
		// slug and codes go right after lang, which every article has.
		loc := langLine.FindIndex(src)
		if loc == nil {
			return fmt.Errorf("%s: no lang line", t.name)
		}
		front := fmt.Sprintf("slug: %q\ncodes: [%q]\n", slug, c)
		src = append(src[:loc[1]:loc[1]], append([]byte(front), src[loc[1]:]...)...)
		dir := filepath.Join(out, fmt.Sprintf("%03d", i/1000))
		if i%1000 == 0 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(dir, slug+".md"), src, 0o644); err != nil {
			return err
		}
		fmt.Fprintln(codes, c)
	}
	if err := codes.Flush(); err != nil {
		return err
	}
	return codesFile.Close()
}
