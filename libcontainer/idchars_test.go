package libcontainer

import (
	"math/rand"
	"regexp"
	"testing"
)

// idChars accepts exactly what runc's expression accepts.
func TestIDCharsMatchesRunc(t *testing.T) {
	re := regexp.MustCompile(`^[\w+\-.]+$`)
	check := func(s string) {
		if got, want := idChars(s), re.MatchString(s); got != want {
			t.Errorf("idChars(%q) = %v, want %v", s, got, want)
		}
	}
	check("")
	for c := 0; c < 256; c++ {
		check(string([]byte{byte(c)}))
		check("a" + string([]byte{byte(c)}) + "b")
	}
	for _, s := range []string{"é", "日本", "a\u00a0b", "\u0130"} {
		check(s)
	}
	r := rand.New(rand.NewSource(1))
	alphabet := []byte("aZ09_+-./ \x00\xff:é")
	for i := 0; i < 20000; i++ {
		b := make([]byte, r.Intn(8))
		for j := range b {
			b[j] = alphabet[r.Intn(len(alphabet))]
		}
		check(string(b))
	}
}
