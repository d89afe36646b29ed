//go:build tools

// Package lab names the upstream commands that lab/build.sh builds, so that `go mod tidy`
// keeps every module they need in go.sum.
package lab

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
