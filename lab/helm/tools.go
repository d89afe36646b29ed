//go:build tools

// Package helm names Helm's command so that `go mod tidy` keeps what it needs in go.sum.
package helm

import _ "helm.sh/helm/v4/cmd/helm"
