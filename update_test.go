package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseMemory(t *testing.T) {
	for in, want := range map[string]int64{
		"-1":       -1,
		"0":        0,
		"512":      512,
		"10b":      10,
		"10B":      10,
		"1k":       1024,
		"1K":       1024,
		"1kb":      1024,
		"1KiB":     1024,
		"1ki":      1024,
		"10m":      10 << 20,
		"10M":      10 << 20,
		"10MiB":    10 << 20,
		"10 MB":    10 << 20,
		"10mb":     10 << 20,
		"1.5g":     3 << 29,
		"1.5G":     3 << 29,
		"2t":       2 << 40,
		"1p":       1 << 50,
		"64 ":      64,
		"0.5k":     512,
		"007":      7,
		"16777216": 16 << 20,
	} {
		got, err := parseMemory(in)
		if err != nil || got != want {
			t.Errorf("parseMemory(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "-2", "-1k", "x", "10x", "k", "1.", ".5", "1.2.3", " 1", "1  m", "1mm", "1bi",
		"1e3", "0x10", "+1", "1,5m", "99999999999p", "10 m b",
	} {
		if got, err := parseMemory(in); err == nil {
			t.Errorf("parseMemory(%q) = %d, want an error", in, got)
		} else if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "invalid size") {
			t.Errorf("parseMemory(%q): error %q", in, err)
		}
	}
}

func FuzzParseMemory(f *testing.F) {
	for _, s := range []string{"-1", "10m", "1.5 GiB", "7kb", "x", "1.2.3", "99999999999999999999p"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseMemory(s)
		if err != nil {
			return
		}
		if v < -1 || (v == -1 && s != "-1") {
			t.Errorf("parseMemory(%q) = %d", s, v)
		}
	})
}

// flagsOf is the flags of an update command line.
func flagsOf(flags map[string]string) (func(string) bool, func(string) string) {
	return func(n string) bool { _, ok := flags[n]; return ok }, func(n string) string { return flags[n] }
}

func TestResourcesFromFlags(t *testing.T) {
	r, err := resourcesFromFlags(flagsOf(map[string]string{
		"memory": "16m", "memory-swap": "-1", "memory-reservation": "8M",
		"cpu-share": "512", "cpu-quota": "-1", "cpu-period": "100000", "cpu-burst": "1000",
		"cpu-rt-period": "1000000", "cpu-rt-runtime": "10000", "cpu-idle": "1",
		"cpuset-cpus": "0-1", "cpuset-mems": "0",
		"pids-limit": "0", "blkio-weight": "300",
		"kernel-memory": "1m", "kernel-memory-tcp": "1m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(r)
	want := `{"memory":{"limit":16777216,"reservation":8388608,"swap":-1},` +
		`"cpu":{"shares":512,"quota":-1,"burst":1000,"period":100000,"realtimeRuntime":10000,"realtimePeriod":1000000,"cpus":"0-1","mems":"0","idle":1},` +
		`"pids":{"limit":0},"blockIO":{"weight":300}}`
	if string(got) != want {
		t.Errorf("resources\n got %s\nwant %s", got, want)
	}
}

func TestResourcesFromFlagsNothingGiven(t *testing.T) {
	// No flag, or flags given as "" (runc's "not given"), change nothing;
	// blkio-weight 0 is runc's default, not a value.
	for _, flags := range []map[string]string{
		{},
		{"memory": "", "cpu-share": "", "pids-limit": "", "cpuset-cpus": ""},
		{"blkio-weight": "0"},
	} {
		r, err := resourcesFromFlags(flagsOf(flags))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := json.Marshal(r); string(got) != "{}" {
			t.Errorf("flags %v: resources %s, want {}", flags, got)
		}
	}
}

func TestResourcesFromFlagsErrors(t *testing.T) {
	for flag, value := range map[string]string{
		"memory": "10x", "memory-swap": "-2", "memory-reservation": "lots",
		"cpu-share": "-1", "cpu-period": "1.5", "cpu-burst": "x", "cpu-rt-period": "-5",
		"cpu-quota": "1k", "cpu-rt-runtime": "x", "cpu-idle": "yes",
		"pids-limit": "many", "blkio-weight": "70000",
	} {
		_, err := resourcesFromFlags(flagsOf(map[string]string{flag: value}))
		if err == nil {
			t.Errorf("--%s %s accepted", flag, value)
			continue
		}
		if !strings.HasPrefix(err.Error(), "invalid value for "+flag+": ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("--%s %s: error %q", flag, value, err)
		}
	}
}

// The parser's error is kept whole, as runc words it.
func TestResourcesFromFlagsErrorText(t *testing.T) {
	for flag, want := range map[string]string{
		"cpu-period":   `invalid value for cpu-period: strconv.ParseUint: parsing "abc": invalid syntax`,
		"cpu-quota":    `invalid value for cpu-quota: strconv.ParseInt: parsing "abc": invalid syntax`,
		"pids-limit":   `invalid value for pids-limit: strconv.ParseInt: parsing "abc": invalid syntax`,
		"blkio-weight": `invalid value for blkio-weight: strconv.ParseUint: parsing "abc": invalid syntax`,
		"memory":       `invalid value for memory: invalid size: 'abc'`,
	} {
		_, err := resourcesFromFlags(flagsOf(map[string]string{flag: "abc"}))
		if err == nil || err.Error() != want {
			t.Errorf("--%s abc: error %v, want %s", flag, err, want)
		}
	}
}

func TestReadResources(t *testing.T) {
	body := `{"memory":{"limit":33554432,"swap":67108864},"cpu":{"shares":256},"pids":{"limit":7},"unknownField":1}`
	file := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, src := range []struct {
		in    string
		stdin string
	}{{file, ""}, {"-", body}, {"-", body + "\n"}} {
		r, err := readResources(src.in, strings.NewReader(src.stdin))
		if err != nil {
			t.Fatalf("%s: %v", src.in, err)
		}
		if *r.Memory.Limit != 32<<20 || *r.Memory.Swap != 64<<20 || *r.CPU.Shares != 256 || *r.Pids.Limit != 7 {
			t.Errorf("%s: %+v", src.in, r)
		}
	}
	for _, bad := range []string{"", "{", "[]", `{"memory":{"limit":"1m"}}`, "x"} {
		_, err := readResources("-", strings.NewReader(bad))
		if err == nil || !strings.HasPrefix(err.Error(), "parse resources from standard input: ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("stdin %q: %v", bad, err)
		}
	}
	if _, err := readResources(filepath.Join(t.TempDir(), "none.json"), nil); err == nil {
		t.Error("a missing file accepted")
	}
	// The whole runtime-spec object is accepted, as containerd sends it.
	full := specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: new(int64)},
	}
	data, _ := json.Marshal(full)
	if _, err := readResources("-", strings.NewReader(string(data))); err != nil {
		t.Errorf("full object: %v", err)
	}
}
