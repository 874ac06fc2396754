package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestServeRefusesBadPortalConfig: an origin or frame-ancestors source that
// could never match (or would break the CSP) stops serve at once, before
// it touches the database.
func TestServeRefusesBadPortalConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"origin with a path", []string{"serve", "-cors-origins", "https://portal.example/"}, nil, "-cors-origins"},
		{"origin from the environment", []string{"serve"}, map[string]string{"ERRDEX_CORS_ORIGINS": "portal.example"}, "-cors-origins"},
		{"source ending the directive", []string{"serve", "-frame-ancestors", "https://a.example; script-src *"}, nil, "-frame-ancestors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), tt.args, func(k string) string { return tt.env[k] }, io.Discard, &stderr)
			if !errors.Is(err, errUsage) || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("run = %v, stderr %q; want errUsage naming %s", err, stderr.String(), tt.want)
			}
		})
	}
}
