package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/errdex/errdex/internal/article"
	"github.com/errdex/errdex/internal/httpserver"
)

// writeJSON sends v as JSON with status 200.
func writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	writeJSONStatus(w, r, http.StatusOK, v)
}

// writeJSONStatus encodes v before writing anything, so an encoding failure
// still becomes a clean 500 instead of a truncated body.
func writeJSONStatus(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := encodeJSON(v)
	if err != nil {
		http.Error(w, `{"type":"urn:errdex:problem:internal","title":"Internal error","status":500}`, http.StatusInternalServerError)
		return
	}
	writeBody(w, r, status, body)
}

func writeBody(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if _, held := w.(*conditionalWriter); held {
		// writeConditional sends it, in one burst, once it has its ETag.
		w.Write(body) //nolint:errcheck // to memory
		return
	}
	httpserver.WriteBody(w, r, body) //nolint:errcheck // the client went away; nothing to do
}

// encodeJSON encodes without HTML escaping: bodies are JSON, and commands
// such as "a & b" must reach chatbots byte-exact.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeJSON reads exactly one JSON value from the body into v, rejecting
// unknown fields, and turns every failure into an *article.Error naming the
// field at fault (as a JSON Pointer) or a problem with 413/415.
func decodeJSON(r *http.Request, v any) *Problem {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &Problem{Type: typeUnsupportedMedia, Title: "Unsupported media type", Status: http.StatusUnsupportedMediaType,
				Detail: "send application/json"}
		}
	}
	return decodeStrict(r.Body, v)
}

// decodeStrict decodes exactly one JSON value with no unknown fields.
func decodeStrict(body io.Reader, v any) *Problem {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() || dec.Decode(&struct{}{}) != io.EOF {
			err = errors.New("body must hold exactly one JSON value")
		}
	}
	if err == nil {
		return nil
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &Problem{Type: typeBodyTooLarge, Title: "Request body too large", Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("the body may not exceed %d bytes", tooBig.Limit)}
	}
	fe := article.FieldError{Pointer: "", Detail: err.Error()}
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		fe.Detail = fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		fe.Detail = "body is empty or cut short"
	case errors.As(err, &typeErr):
		fe.Pointer = "/" + strings.ReplaceAll(typeErr.Field, ".", "/")
		fe.Detail = fmt.Sprintf("must be %s, not %s", jsonType(typeErr.Type.Kind().String()), typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		fe.Pointer = "/" + name
		fe.Detail = fmt.Sprintf("unknown field %q", name)
	}
	return &Problem{Type: typeInvalidBody, Title: "Invalid request body", Status: http.StatusBadRequest,
		Detail: fe.Detail, Errors: []article.FieldError{fe}}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "bool":
		return "a boolean"
	default:
		return "a number"
	}
}
