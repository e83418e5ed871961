package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// memory is a process's resident set, from /proc/<pid>/status (Linux).
type memory struct {
	RSSKiB  int // VmRSS: resident now
	PeakKiB int // VmHWM: the most it was ever resident
}

func readMemory(pid int) (memory, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, fmt.Errorf("reading the worker's memory: %w", err)
	}
	var m memory
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		name, value, ok := strings.Cut(scanner.Text(), ":")
		if !ok {
			continue
		}
		// "VmRSS:\t  123456 kB"
		kib, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value), "kB")))
		switch {
		case name != "VmRSS" && name != "VmHWM":
			continue
		case err != nil:
			return memory{}, fmt.Errorf("reading the worker's memory: %s: %w", name, err)
		case name == "VmRSS":
			m.RSSKiB = kib
		default:
			m.PeakKiB = kib
		}
	}
	return m, nil
}

// mib is KiB in whole MiB, rounded.
func mib(kib int) int { return (kib + 512) / 1024 }
