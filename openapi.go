// Package errdex holds files of the repository root that the binary
// embeds: the API contract, served at /openapi.yaml and rendered at /docs.
package errdex

import _ "embed"

// OpenAPI is openapi.yaml, the contract every HTTP test holds errdex to.
//
//go:embed openapi.yaml
var OpenAPI []byte
