package api

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/importer"
)

// Limits of an uploaded archive, against zip bombs.
const (
	maxArchiveFiles    = 20000
	maxUnpackedFactor  = 20 // unpacked bytes per uploaded byte
	typeInvalidArchive = "urn:errdex:problem:invalid-archive"
)

// handleImport answers POST /imports: a .zip or .tar.gz of article files,
// or one markdown article, imported with the semantics of `errdex import`
// (one transaction, nothing written if a file fails unless keepGoing).
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	if s.cfg.MaxImportBytes <= 0 {
		s.writeError(w, r, article.Errorf(article.KindNotFound, "imports over HTTP are turned off"))
		return
	}
	q := r.URL.Query()
	opts := importer.Options{DryRun: q.Get("dryRun") == "true", KeepGoing: q.Get("keepGoing") == "true"}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.bodyError(w, r, err)
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var fsys fs.FS
	switch mt {
	case "text/markdown":
		dir, derr := os.MkdirTemp("", "errdex-import-")
		if derr != nil {
			s.writeError(w, r, derr)
			return
		}
		defer os.RemoveAll(dir)
		name := path.Base("/" + q.Get("name")) // a file name, never a path
		if name == "/" || name == "." {
			name = "upload.md"
		}
		err, fsys = os.WriteFile(filepath.Join(dir, name), body, 0o600), os.DirFS(dir)
	case "application/zip":
		zr, zerr := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if zerr == nil {
			zerr = checkZip(zr, int64(len(body))*maxUnpackedFactor)
		}
		err, fsys = zerr, zr
	case "application/gzip", "application/x-gzip", "application/x-tar+gzip":
		dir, terr := os.MkdirTemp("", "errdex-import-")
		if terr != nil {
			s.writeError(w, r, terr)
			return
		}
		defer os.RemoveAll(dir)
		err, fsys = untarGz(bytes.NewReader(body), dir, int64(len(body))*maxUnpackedFactor), os.DirFS(dir)
	default:
		writeProblem(w, r, Problem{Type: typeUnsupportedMedia, Title: "Unsupported media type", Status: http.StatusUnsupportedMediaType,
			Detail: "send application/zip, application/gzip (a .tar.gz) or text/markdown"})
		return
	}
	if err != nil {
		writeProblem(w, r, Problem{Type: typeInvalidArchive, Title: "Invalid archive", Status: http.StatusBadRequest, Detail: err.Error()})
		return
	}
	rep, err := importer.Run(r.Context(), s.store, []importer.Source{{Name: "upload", FS: fsys}}, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !opts.DryRun {
		s.changed(rep.Touched)
	}
	status := http.StatusOK
	if rep.Failed > 0 {
		status = http.StatusUnprocessableEntity
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSONStatus(w, r, status, rep)
}

func checkZip(zr *zip.Reader, maxUnpacked int64) error {
	if len(zr.File) > maxArchiveFiles {
		return fmt.Errorf("the archive holds more than %d files", maxArchiveFiles)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(maxUnpacked) {
			return fmt.Errorf("the archive unpacks to more than %d bytes", maxUnpacked)
		}
	}
	return nil
}

// untarGz unpacks regular files of a .tar.gz into dir, refusing paths that
// leave it, links, and archives that unpack past maxUnpacked bytes.
func untarGz(r io.Reader, dir string, maxUnpacked int64) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("not a gzip stream: %w", err)
	}
	tr := tar.NewReader(gz)
	var total int64
	for files := 0; ; files++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read tar: %w", err)
		}
		if files >= maxArchiveFiles {
			return fmt.Errorf("the archive holds more than %d files", maxArchiveFiles)
		}
		if h.Typeflag != tar.TypeReg {
			continue // directories are implied; links and devices are ignored
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if !fs.ValidPath(name) {
			return fmt.Errorf("unsafe path in archive: %q", h.Name)
		}
		total += h.Size
		if total > maxUnpacked {
			return fmt.Errorf("the archive unpacks to more than %d bytes", maxUnpacked)
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("unpack %q: %w", h.Name, err)
		}
		_, err = io.Copy(f, io.LimitReader(tr, h.Size))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("unpack %q: %w", h.Name, err)
		}
	}
}
