package mountopt

import (
	"slices"
	"strings"
	"testing"
)

// FuzzParseMountOptions: mount options come from config.json. Parsing must
// never panic, every option lands in exactly one place, and only unknown
// options reach the filesystem as data.
func FuzzParseMountOptions(f *testing.F) {
	for _, s := range []string{
		"", "ro", "rbind,ro,nosuid", "nosuid,strictatime,mode=755,size=65536k", "rshared,rro,rnosuid",
		"rw,ro,rw", "tmpcopyup,idmap", ",,", "rrelatime", "lowerdir=/a:/b,upperdir=/c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		opts := strings.Split(s, ",")
		o := Parse(opts)
		known := 0
		for _, opt := range opts {
			_, isFlag := flagNames[opt]
			_, isProp := Propagation[opt]
			_, isRec := recAttrNames[opt]
			if isFlag || isProp || isRec || opt == "tmpcopyup" || opt == "idmap" || opt == "ridmap" {
				known++
			}
		}
		for _, d := range o.Data {
			if _, ok := flagNames[d]; ok {
				t.Fatalf("flag %q passed as data", d)
			}
			if _, ok := Propagation[d]; ok {
				t.Fatalf("propagation %q passed as data", d)
			}
			if _, ok := recAttrNames[d]; ok {
				t.Fatalf("recursive attribute %q passed as data", d)
			}
		}
		if known+len(o.Data) != len(opts) {
			t.Fatalf("%q: %d known + %d data != %d options", opts, known, len(o.Data), len(opts))
		}
		if want := slices.Contains(opts, "bind") || slices.Contains(opts, "rbind"); o.Bind != want {
			t.Fatalf("%q: bind = %v", opts, o.Bind)
		}
	})
}
