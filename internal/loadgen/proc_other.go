//go:build !linux

package loadgen

import (
	"errors"
	"time"
)

var errNoProc = errors.New("per-process CPU and RSS are read from /proc, on Linux only")

// ProcessCPU is not available off Linux.
func ProcessCPU(pid int) (time.Duration, error) { return 0, errNoProc }

// ProcessRSS is not available off Linux.
func ProcessRSS(pid int) (int64, error) { return 0, errNoProc }
