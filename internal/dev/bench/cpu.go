package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Orders/s on a shared 2-core machine moves widely from run to run; the
// processor time a batch costs moves less, and says, by process, where
// an order's cost is. Both are reported.

// CPU is the processor time (user and system) a batch cost, by process,
// from its submit to its last end.
type CPU struct {
	// Server is the Temporal dev server; Worker and Starter the
	// project's binaries (zero for the bare engine, which runs both in
	// the bench). Bench is the bench itself: the simulator, following
	// the batch, and for the bare engine its worker and starts.
	Server, Worker, Starter, Bench time.Duration
	// Machine is every core's busy time meanwhile, whoever used it: Total
	// and what other processes and the kernel took. The two are counted
	// differently (ticks against the scheduler's own clock), so Machine
	// can come out a hair under Total.
	Machine time.Duration
}

// Total is the batch's processor time, all processes.
func (c CPU) Total() time.Duration { return c.Server + c.Worker + c.Starter + c.Bench }

// userHZ is the unit of the times in /proc/<pid>/stat (USER_HZ): 100 on
// every Linux architecture Go runs on.
const userHZ = 100

// processCPU is the processor time a process has used so far (Linux).
func processCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading the processor time of process %d: %w", pid, err)
	}
	return parseStatCPU(data)
}

// parseStatCPU reads utime and stime, fields 14 and 15 of a
// /proc/<pid>/stat line. The second field, the command's name, is in
// parentheses and may hold spaces and parentheses itself: the fields
// are counted from after its last ')'.
func parseStatCPU(stat []byte) (time.Duration, error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, errors.New("no command name in /proc/<pid>/stat")
	}
	fields := strings.Fields(string(stat[end+1:])) // fields[0] is field 3
	const utime, stime = 14 - 3, 15 - 3
	if len(fields) <= stime {
		return 0, fmt.Errorf("/proc/<pid>/stat has %d fields, want at least %d", len(fields)+2, stime+3)
	}
	var ticks int64
	for _, f := range []string{fields[utime], fields[stime]} {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/<pid>/stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// machineBusy is the time the machine's cores have spent working since
// boot (Linux), from the first line of /proc/stat.
func machineBusy() (time.Duration, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("reading the machine's processor time: %w", err)
	}
	return parseMachineBusy(data)
}

// parseMachineBusy adds up user, nice, system, irq and softirq of the
// "cpu" line. Idle and iowait are not work; steal is time the hypervisor
// gave to someone else; guest and guest_nice are counted in user and
// nice already.
func parseMachineBusy(stat []byte) (time.Duration, error) {
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat begins %q, want the cpu line", line)
	}
	const user, nice, system, irq, softirq = 1, 2, 3, 6, 7 // fields[0] is "cpu"
	var busy int64
	for _, i := range []int{user, nice, system, irq, softirq} {
		if i >= len(fields) {
			break // an older kernel's shorter line
		}
		n, err := strconv.ParseInt(fields[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		busy += n
	}
	return time.Duration(busy) * time.Second / userHZ, nil
}

// childPID finds the bench's child process of a command name: the dev
// server, which testsuite starts without saying its pid.
func childPID(name string) (int, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, err
	}
	self := os.Getpid()
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // it ended meanwhile
		}
		open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
		if open < 0 || end < open || string(data[open+1:end]) != name {
			continue
		}
		fields := strings.Fields(string(data[end+1:])) // state, ppid, ...
		if len(fields) < 2 || fields[1] != strconv.Itoa(self) {
			continue
		}
		return strconv.Atoi(strings.Fields(string(data[:open]))[0])
	}
	return 0, fmt.Errorf("no child process named %q", name)
}

// meterCPU starts measuring the batch's processor time; a worker pid of 0
// is the bench's own.
func (r *run) meterCPU(workerPID int) *cpuMeter {
	if r.serverPIDErr != nil {
		return &cpuMeter{err: fmt.Errorf("finding the dev server's process: %w", r.serverPIDErr)}
	}
	return newCPUMeter(r.serverPID, workerPID)
}

// takeCPU ends the batch's measurement of processor time, the starter's
// (it has exited) included.
func (b *Batch) takeCPU(m *cpuMeter, starter time.Duration) {
	cpu, err := m.since(starter)
	if err != nil {
		b.CPUUnread = err.Error()
		return
	}
	b.CPU = cpu
}

// cpuMeter measures a batch's processor time from its start.
type cpuMeter struct {
	serverPID, workerPID int
	at                   CPU
	err                  error
}

// newCPUMeter starts measuring the dev server, the bench and, unless 0, a
// worker process.
func newCPUMeter(serverPID, workerPID int) *cpuMeter {
	m := &cpuMeter{serverPID: serverPID, workerPID: workerPID}
	m.at, m.err = m.sample()
	return m
}

func (m *cpuMeter) sample() (CPU, error) {
	var c CPU
	var err error
	if c.Server, err = processCPU(m.serverPID); err != nil {
		return c, err
	}
	if c.Bench, err = processCPU(os.Getpid()); err != nil {
		return c, err
	}
	if c.Machine, err = machineBusy(); err != nil {
		return c, err
	}
	if m.workerPID != 0 {
		c.Worker, err = processCPU(m.workerPID)
	}
	return c, err
}

// since is the processor time since the meter started, with the starter's, which
// has exited by then; nil, with the reason, when it could not be read.
func (m *cpuMeter) since(starter time.Duration) (*CPU, error) {
	if m.err != nil {
		return nil, m.err
	}
	now, err := m.sample()
	if err != nil {
		return nil, err
	}
	return &CPU{
		Server: now.Server - m.at.Server, Worker: now.Worker - m.at.Worker,
		Starter: starter, Bench: now.Bench - m.at.Bench, Machine: now.Machine - m.at.Machine,
	}, nil
}
