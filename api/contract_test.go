package api_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/errdex/errdex/api"
	"github.com/errdex/errdex/internal/importer"
	"github.com/errdex/errdex/internal/store"
	"github.com/errdex/errdex/internal/testdb"
)

// The contract: every response a test receives is validated against
// openapi.yaml, and every operation in it must be exercised by some test.
var (
	specOnce   sync.Once
	spec       *openapi3.T
	specRouter routers.Router
	specErr    error

	exercisedMu sync.Mutex
	exercised   = map[string]bool{}
)

func loadSpec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		spec, specErr = loader.LoadFromFile("../openapi.yaml")
		if specErr != nil {
			return
		}
		if specErr = spec.Validate(context.Background()); specErr != nil {
			return
		}
		spec.Servers = openapi3.Servers{{URL: "/"}} // match on path, whatever the test host
		specRouter, specErr = gorillamux.NewRouter(spec)
	})
	if specErr != nil {
		t.Fatalf("load openapi.yaml: %v", specErr)
	}
	return spec, specRouter
}

func TestMain(m *testing.M) {
	code := m.Run()
	// Only a full run can tell whether every operation was exercised.
	if code == 0 && !isFiltered() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile("../openapi.yaml")
		if err != nil {
			panic(err)
		}
		var missing []string
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if !exercised[op.OperationID] {
					missing = append(missing, method+" "+path+" ("+op.OperationID+")")
				}
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			os.Stderr.WriteString("openapi.yaml operations no test exercised:\n  " + strings.Join(missing, "\n  ") + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

func isFiltered() bool {
	for _, a := range os.Args {
		if strings.HasPrefix(a, "-test.run") || strings.HasPrefix(a, "-test.skip") {
			return true
		}
	}
	return false
}

// env is one test's errdex: a fresh database and the real router.
type env struct {
	store   *store.Store
	handler http.Handler
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := testdb.Store(t)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	return &env{store: st, handler: api.NewServer(api.DefaultConfig(), st, logger)}
}

// importFiles imports files (name → content) and fails the test on any failure.
func (e *env) importFiles(t testing.TB, files map[string]string) {
	t.Helper()
	fsys := mapFS(files)
	rep, err := importer.Run(context.Background(), e.store, []importer.Source{{Name: "test", FS: fsys}}, importer.Options{})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if rep.Failed > 0 {
		for _, f := range rep.Files {
			if f.Error != "" {
				t.Errorf("import: %s", f.Error)
			}
		}
		t.FailNow()
	}
}

// do sends req through the router and checks the response against the spec.
func (e *env) do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	checkContract(t, req, res, body)
	return res, body
}

func (e *env) get(t *testing.T, target string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(t, req)
}

func checkContract(t *testing.T, req *http.Request, res *http.Response, body []byte) {
	t.Helper()
	_, router := loadSpec(t)
	find := req
	if req.Method == http.MethodHead {
		// HEAD is GET without the body (RFC 9110 9.3.2): the GET operation
		// covers it, and the recorder keeps the body net/http would drop.
		find = req.Clone(req.Context())
		find.Method = http.MethodGet
	}
	route, params, err := router.FindRoute(find)
	if err != nil {
		if res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusMethodNotAllowed {
			return // requests outside the spec must fail, and did
		}
		t.Errorf("contract: %s %s is not in openapi.yaml: %v", req.Method, req.URL.Path, err)
		return
	}
	exercisedMu.Lock()
	exercised[route.Operation.OperationID] = true
	exercisedMu.Unlock()
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: find, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  res.StatusCode,
		Header:  res.Header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: req.Method == http.MethodHead},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Errorf("contract: %s %s → %d does not match openapi.yaml:\n%v\nbody: %.2000s", req.Method, req.URL, res.StatusCode, err, body)
	}
}
