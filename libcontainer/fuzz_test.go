package libcontainer

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseSpec: config.json comes from the user. Parsing must never panic,
// and a spec that is accepted must survive a marshal/parse round trip.
func FuzzParseSpec(f *testing.F) {
	f.Add([]byte(`{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/"},"linux":{}}`))
	f.Add([]byte(`{"ociVersion":"1.2.0","root":{"path":"rootfs","readonly":true},"process":{"terminal":true,"args":["sh"],"cwd":"/","rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],"oomScoreAdj":-100},"hostname":"h","linux":{"namespaces":[{"type":"pid"},{"type":"uts"},{"type":"mount"},{"type":"user"}],"uidMappings":[{"containerID":0,"hostID":1000,"size":1}],"gidMappings":[{"containerID":0,"hostID":1000,"size":1}]}}`))
	f.Add([]byte(`{"ociVersion":"1.0.0","root":{"path":"r"},"process":{"args":["a"],"cwd":"/"},"linux":{"namespaces":[{"type":"time"}],"timeOffsets":{"monotonic":{"secs":1,"nanosecs":2}}}}`))
	f.Add([]byte(`{"ociVersion":"1.0.0","root":{"path":"r"},"process":{"args":["a"],"cwd":"/"},"mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid"]}],"linux":{"namespaces":[{"type":"network","path":"/proc/1/ns/net"}]}}`))
	f.Add([]byte(`{"ociVersion":"2.0.0"}`))
	f.Add([]byte(`{"ociVersion":"1.0.0","linux":{"namespaces":[{"type":"pid"},{"type":"pid"}]}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := ParseSpec(data)
		if err != nil {
			if spec != nil {
				t.Fatalf("ParseSpec returned a spec with error %v", err)
			}
			return
		}
		if spec == nil {
			t.Fatal("ParseSpec returned neither a spec nor an error")
		}
		out, err := json.Marshal(spec)
		if err != nil {
			t.Fatalf("accepted spec does not marshal: %v", err)
		}
		again, err := ParseSpec(out)
		if err != nil {
			t.Fatalf("re-marshalled spec rejected: %v\n%s", err, out)
		}
		out2, err := json.Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip not stable:\n%s\n%s", out, out2)
		}
	})
}

// FuzzValidateID: the id names a directory under the state root, so an
// accepted id must name exactly one entry directly inside it.
func FuzzValidateID(f *testing.F) {
	for _, s := range []string{"abc", "abc_1.2-3+x", "", ".", "..", "a/b", "../x", "...", "a\x00", "é", strings.Repeat("a", 1025)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if ValidateID(id) != nil {
			return
		}
		if id == "" || id == "." || id == ".." {
			t.Fatalf("accepted %q", id)
		}
		if strings.ContainsAny(id, "/\x00") {
			t.Fatalf("accepted %q, which holds a slash or NUL", id)
		}
		const root = "/run/runc"
		p := filepath.Join(root, id)
		if filepath.Dir(p) != root || filepath.Base(p) != id {
			t.Fatalf("accepted %q, which resolves to %q", id, p)
		}
	})
}
