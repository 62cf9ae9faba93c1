package ocispec

import (
	"reflect"
	"testing"
)

func TestParseNodeList(t *testing.T) {
	for in, want := range map[string][]int{"": nil, " ": nil, "0": {0}, "0-2,5": {0, 1, 2, 5}, "4095": {4095}} {
		got, err := ParseNodeList(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseNodeList(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"x", "-1", "2-1", "0,", "4096", "0-5000", "1-"} {
		if _, err := ParseNodeList(in); err == nil {
			t.Errorf("ParseNodeList(%q) accepted", in)
		}
	}
}
