package main

import (
	"bytes"
	"hash/fnv"
	"strings"
	"testing"
	"unicode/utf8"
)

// reference computes the figures the obvious way (strings, library
// hashes): fine in a test, what the server must not do with the secret.
func reference(p []byte) Figures {
	s := string(p)
	f := Figures{Bytes: len(p), Chars: utf8.RuneCount(p),
		Lines: strings.Count(s, "\n"), Words: len(strings.Fields(s))}
	for _, ln := range strings.Split(s, "\n") {
		if strings.HasPrefix(ln, "#") {
			f.Headings++
		}
	}
	low := strings.ToLower(s)
	for i, kw := range keywords {
		f.KW[i] = strings.Count(low, kw)
	}
	h := fnv.New64a()
	h.Write(p)
	f.FNV1a = h.Sum64()
	return f
}

func TestAnalyseMatchesReference(t *testing.T) {
	for _, s := range []string{
		"",
		"# Role and Context\n\nYou are a SYSTEM; the User must never...\n",
		"#h\n #not\n\n# café naïve résumé\n\tmustmust  nevernever USERuser",
		strings.Repeat("System prompt — règles ", 500),
		"no newline at end #",
	} {
		got, want := Analyse([]byte(s)), reference([]byte(s))
		if got != want {
			t.Errorf("%.40q:\n got %v\nwant %v", s, got, want)
		}
	}
}

func TestAnalyseDoesNotAllocate(t *testing.T) {
	p := bytes.Repeat([]byte("# System: the user must never see this.\n"), 100)
	if n := testing.AllocsPerRun(10, func() { Analyse(p) }); n != 0 {
		t.Fatalf("Analyse allocates %.0f times per call: it may copy the secret", n)
	}
}
