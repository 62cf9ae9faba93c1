package ocispec

import (
	"reflect"
	"testing"
)

func TestParseCPUList(t *testing.T) {
	good := map[string][]int{"": nil, "0": {0}, "0-2": {0, 1, 2}, "1,3-4": {1, 3, 4}, " 2 , 5": {2, 5}}
	for in, want := range good {
		got, err := ParseCPUList(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseCPUList(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"a", "1-", "-1", "3-1", "0,,1", "1024", "0-1024"} {
		if _, err := ParseCPUList(in); err == nil {
			t.Errorf("ParseCPUList(%q) accepted", in)
		}
	}
}
