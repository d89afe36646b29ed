//go:build tools

// Package etcd names etcd's server command so that `go mod tidy` keeps what it needs in go.sum.
package etcd

import _ "go.etcd.io/etcd/server/v3"
