package libcontainer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/fs2"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// evKeys returns the sorted keys of a JSON object.
func evKeys(t *testing.T, obj any) []string {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		t.Fatalf("not a JSON object: %#v", obj)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func evDecode(t *testing.T, v any) map[string]any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// The JSON names are runc's: `runc events` consumers parse them.
func TestStatsJSONNames(t *testing.T) {
	cs := cgroups.NewStats()
	cs.CpuStats.CpuUsage = cgroups.CpuUsage{TotalUsage: 10, PercpuUsage: []uint64{4, 6}, PercpuUsageInKernelmode: []uint64{1, 2}, PercpuUsageInUsermode: []uint64{3, 4}, UsageInKernelmode: 3, UsageInUsermode: 7}
	cs.CpuStats.ThrottlingData = cgroups.ThrottlingData{Periods: 5, ThrottledPeriods: 2, ThrottledTime: 99}
	cs.CPUSetStats = cgroups.CPUSetStats{CPUs: []uint16{0, 1}, Mems: []uint16{0}, SchedLoadBalance: 1, SchedRelaxDomainLevel: -1}
	cs.MemoryStats.Cache = 4096
	cs.MemoryStats.Usage = cgroups.MemoryData{Usage: 100, MaxUsage: 200, Failcnt: 1, Limit: 1000}
	cs.MemoryStats.SwapUsage = cgroups.MemoryData{Usage: 150, Limit: 2000}
	cs.MemoryStats.KernelUsage = cgroups.MemoryData{Usage: 10, Limit: 3000}
	cs.MemoryStats.Stats["rss"] = 42
	cs.PidsStats = cgroups.PidsStats{Current: 3, Limit: 10}
	cs.BlkioStats.IoServiceBytesRecursive = []cgroups.BlkioStatEntry{{Major: 8, Minor: 0, Op: "Read", Value: 512}}
	cs.BlkioStats.IoServicedRecursive = []cgroups.BlkioStatEntry{{Major: 8, Op: "Write", Value: 1}}
	cs.BlkioStats.IoQueuedRecursive = []cgroups.BlkioStatEntry{{Major: 8, Op: "Total", Value: 1}}
	cs.HugetlbStats["2MB"] = cgroups.HugetlbStats{Usage: 2 << 20, MaxUsage: 4 << 20, Failcnt: 1}

	m := evDecode(t, &Event{Type: "stats", ID: "c1", Data: convertStats(cs)})
	if m["type"] != "stats" || m["id"] != "c1" {
		t.Errorf("event: %v", m)
	}
	data := m["data"].(map[string]any)
	if got, want := evKeys(t, data), []string{"blkio", "cpu", "cpuset", "hugetlb", "intel_rdt", "memory", "network_interfaces", "pids"}; !reflect.DeepEqual(got, want) {
		t.Errorf("data keys %v, want %v", got, want)
	}
	if data["network_interfaces"] != nil {
		t.Errorf("network_interfaces = %v, want null", data["network_interfaces"])
	}
	cpu := data["cpu"].(map[string]any)
	if got, want := evKeys(t, cpu["usage"]), []string{"kernel", "percpu", "percpu_kernel", "percpu_user", "total", "user"}; !reflect.DeepEqual(got, want) {
		t.Errorf("cpu.usage keys %v", got)
	}
	if got, want := evKeys(t, cpu["throttling"]), []string{"periods", "throttledPeriods", "throttledTime"}; !reflect.DeepEqual(got, want) {
		t.Errorf("cpu.throttling keys %v", got)
	}
	if u := cpu["usage"].(map[string]any); u["total"] != 10.0 || u["kernel"] != 3.0 || u["user"] != 7.0 {
		t.Errorf("cpu.usage %v", u)
	}
	mem := data["memory"].(map[string]any)
	if got, want := evKeys(t, mem), []string{"cache", "kernel", "kernelTCP", "raw", "swap", "usage"}; !reflect.DeepEqual(got, want) {
		t.Errorf("memory keys %v", got)
	}
	if got, want := evKeys(t, mem["usage"]), []string{"failcnt", "limit", "max", "usage"}; !reflect.DeepEqual(got, want) {
		t.Errorf("memory.usage keys %v", got)
	}
	if u := mem["usage"].(map[string]any); u["usage"] != 100.0 || u["max"] != 200.0 || u["limit"] != 1000.0 || u["failcnt"] != 1.0 {
		t.Errorf("memory.usage %v", u)
	}
	// Zero usage and max are left out, limit and failcnt never.
	if got, want := evKeys(t, mem["kernelTCP"]), []string{"failcnt", "limit"}; !reflect.DeepEqual(got, want) {
		t.Errorf("memory.kernelTCP keys %v", got)
	}
	if mem["raw"].(map[string]any)["rss"] != 42.0 {
		t.Errorf("memory.raw %v", mem["raw"])
	}
	if p := data["pids"].(map[string]any); p["current"] != 3.0 || p["limit"] != 10.0 {
		t.Errorf("pids %v", p)
	}
	blkio := data["blkio"].(map[string]any)
	if got, want := evKeys(t, blkio), []string{"ioQueueRecursive", "ioServiceBytesRecursive", "ioServicedRecursive"}; !reflect.DeepEqual(got, want) {
		t.Errorf("blkio keys %v", got)
	}
	e := blkio["ioServiceBytesRecursive"].([]any)[0].(map[string]any)
	if e["major"] != 8.0 || e["op"] != "Read" || e["value"] != 512.0 || e["minor"] != nil {
		t.Errorf("blkio entry %v", e)
	}
	h := data["hugetlb"].(map[string]any)["2MB"].(map[string]any)
	if h["usage"] != float64(2<<20) || h["max"] != float64(4<<20) || h["failcnt"] != 1.0 {
		t.Errorf("hugetlb %v", h)
	}
	cpuset := data["cpuset"].(map[string]any)
	for _, k := range []string{"cpus", "cpu_exclusive", "mems", "mem_hardwall", "mem_exclusive", "memory_migrate", "memory_spread_page", "memory_spread_slab", "memory_pressure", "sched_load_balance", "sched_relax_domain_level"} {
		if _, ok := cpuset[k]; !ok {
			t.Errorf("cpuset lacks %s", k)
		}
	}
	if len(evKeys(t, data["intel_rdt"])) != 0 {
		t.Errorf("intel_rdt %v", data["intel_rdt"])
	}
}

func TestStatsEmpty(t *testing.T) {
	data := evDecode(t, convertStats(cgroups.NewStats()))
	// Empty parts are still objects, as runc prints them.
	for _, k := range []string{"cpu", "memory", "pids", "blkio", "hugetlb", "intel_rdt"} {
		if _, ok := data[k].(map[string]any); !ok {
			t.Errorf("%s = %v, want an object", k, data[k])
		}
	}
	if got := evDecode(t, &Event{Type: "oom", ID: "x"}); !reflect.DeepEqual(got, map[string]any{"type": "oom", "id": "x"}) {
		t.Errorf("oom event %v", got)
	}
}

// evFakeV2Files are the files of a cgroup v2 directory that the fs2
// manager reads statistics from.
func evFakeV2Files() map[string]string {
	return map[string]string{
		"cgroup.controllers":  "cpu io memory pids\n",
		"cgroup.procs":        "1\n2\n",
		"cpu.stat":            "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 20\n",
		"memory.current":      "1048576\n",
		"memory.max":          "16777216\n",
		"memory.peak":         "2097152\n",
		"memory.swap.current": "4096\n",
		"memory.swap.max":     "max\n",
		"memory.stat":         "anon 8192\nfile 12288\n",
		"memory.events":       "low 0\nhigh 0\nmax 3\noom 0\noom_kill 0\n",
		"pids.current":        "2\n",
		"pids.max":            "100\n",
		"io.stat":             "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n",
		"cpu.pressure":        "some avg10=1.50 avg60=0.00 avg300=0.00 total=12\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=3\n",
	}
}

// The cgroup v2 statistics path: fs2 manager to runc's JSON.
func TestStatsV2Fake(t *testing.T) {
	dir := updFakeV2(t, evFakeV2Files())
	m, err := fs2.NewManager(&cgroups.Cgroup{Resources: &cgroups.Resources{}}, dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := managerStats(m)
	if err != nil {
		t.Fatal(err)
	}
	if s.Memory.Usage.Usage != 1<<20 || s.Memory.Usage.Limit != 16<<20 || s.Memory.Cache != 12288 {
		t.Errorf("memory usage %+v cache %d", s.Memory.Usage, s.Memory.Cache)
	}
	// As runc, "swap" is memory+swap on v2 too.
	if s.Memory.Swap.Usage != 1<<20+4096 {
		t.Errorf("memory swap %+v", s.Memory.Swap)
	}
	if s.Pids.Current != 2 || s.Pids.Limit != 100 {
		t.Errorf("pids %+v", s.Pids)
	}
	if s.CPU.Usage.Total != 1500000 || s.CPU.Usage.User != 1000000 || s.CPU.Usage.Kernel != 500000 {
		t.Errorf("cpu usage %+v", s.CPU.Usage)
	}
	if s.CPU.Throttling.Periods != 4 || s.CPU.Throttling.ThrottledPeriods != 1 {
		t.Errorf("cpu throttling %+v", s.CPU.Throttling)
	}
	if s.CPU.PSI == nil || s.CPU.PSI.Some.Avg10 != 1.5 || s.CPU.PSI.Full.Total != 3 {
		t.Errorf("cpu psi %+v", s.CPU.PSI)
	}
	var read uint64
	for _, e := range s.Blkio.IoServiceBytesRecursive {
		if e.Major == 8 && e.Op == "Read" {
			read = e.Value
		}
	}
	if read != 4096 {
		t.Errorf("blkio %+v", s.Blkio.IoServiceBytesRecursive)
	}
	psi := evDecode(t, s)["cpu"].(map[string]any)["psi"].(map[string]any)
	if got, want := evKeys(t, psi), []string{"full", "some"}; !reflect.DeepEqual(got, want) {
		t.Errorf("cpu.psi keys %v", got)
	}
}

func evWriteEvents(t *testing.T, dir string, ooms, kills int) {
	t.Helper()
	content := "low 0\nhigh 0\nmax 3\noom " + strconv.Itoa(ooms) + "\noom_kill " + strconv.Itoa(kills) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "memory.events"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Events end to end on a fake cgroup v2 directory: stats every interval,
// an oom event per kill, and the end of the stream when init exits.
func TestEventsV2Fake(t *testing.T) {
	updSetUnified(t, true)
	dir := updFakeV2(t, evFakeV2Files())
	c, child := updFakeContainer(t, dir, &specs.Spec{Linux: &specs.Linux{}})

	events := make(chan *Event, 100)
	done := make(chan error, 1)
	go func() {
		done <- c.Events(20*time.Millisecond, func(e *Event) error {
			events <- e
			return nil
		})
	}()
	next := func() *Event {
		t.Helper()
		select {
		case e := <-events:
			return e
		case err := <-done:
			t.Fatalf("events ended early: %v", err)
		case <-time.After(5 * time.Second):
			t.Fatal("no event within 5s")
		}
		return nil
	}
	for i := 0; i < 2; i++ {
		e := next()
		if e.Type != "stats" || e.ID != "fake" {
			t.Fatalf("event %d: %+v", i, e)
		}
		if s := e.Data.(*Stats); s.Pids.Current != 2 || s.Memory.Usage.Usage != 1<<20 {
			t.Errorf("stats %+v %+v", s.Pids, s.Memory.Usage)
		}
	}
	evWriteEvents(t, dir, 1, 1)
	for {
		e := next()
		if e.Type == "oom" {
			if e.ID != "fake" || e.Data != nil {
				t.Errorf("oom event %+v", e)
			}
			break
		}
	}
	// A kill that comes with init's death is still reported.
	evWriteEvents(t, dir, 2, 2)
	child.Process.Kill()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("events: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("events did not end when init exited")
	}
	close(events)
	ooms := 0
	for e := range events {
		if e.Type == "oom" {
			ooms++
		}
	}
	if ooms != 1 {
		t.Errorf("%d oom events for the last kill, want 1", ooms)
	}
}

func TestEventsStoppedContainer(t *testing.T) {
	updSetUnified(t, true)
	dir := updFakeV2(t, evFakeV2Files())
	c, child := updFakeContainer(t, dir, &specs.Spec{Linux: &specs.Linux{}})
	child.Process.Kill()
	child.Wait()
	want := "container with id fake is not running"
	if err := c.Events(time.Second, func(*Event) error { return nil }); err == nil || err.Error() != want {
		t.Errorf("events: %v", err)
	}
	if _, err := c.Stats(); err == nil || err.Error() != want {
		t.Errorf("stats: %v", err)
	}
	if err := c.Events(0, func(*Event) error { return nil }); err == nil {
		t.Error("interval 0 accepted")
	}
}
