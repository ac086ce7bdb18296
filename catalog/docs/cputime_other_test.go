//go:build !linux

package docs

// threadCPU is not measured off Linux.
func threadCPU() int64 { return 0 }
