//go:build tools

// Package kwok names kwok's command so that `go mod tidy` keeps what it needs in go.sum.
package kwok

import _ "sigs.k8s.io/kwok/cmd/kwok"
