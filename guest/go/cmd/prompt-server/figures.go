package main

import (
	"fmt"
	"strings"
)

// keywords are counted case-insensitively, non-overlapping, as the seed
// server's "content analysis" did (and prompt-guard does).
var keywords = [...]string{"system", "user", "must", "never"}

// Figures is what the server computes on the prompt on every /data
// request: only counts and a checksum, never the bytes themselves.
type Figures struct {
	Bytes    int
	Chars    int // UTF-8 code points
	Lines    int // '\n' bytes
	Words    int // runs of non-white-space (ASCII white space)
	Headings int // lines starting with '#'
	KW       [len(keywords)]int
	FNV1a    uint64 // FNV-1a 64 of the bytes
}

// String gives "bytes=B chars=C ... fnv1a=HEX", the line the tests parse.
func (f Figures) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "bytes=%d chars=%d lines=%d words=%d headings=%d",
		f.Bytes, f.Chars, f.Lines, f.Words, f.Headings)
	for i, kw := range keywords {
		fmt.Fprintf(&sb, " kw_%s=%d", kw, f.KW[i])
	}
	fmt.Fprintf(&sb, " fnv1a=%016x", f.FNV1a)
	return sb.String()
}

func isWhite(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hasFold reports whether p starts with kw (lower-case ASCII), ignoring
// case, comparing byte by byte: nothing of p is copied.
func hasFold(p []byte, kw string) bool {
	if len(p) < len(kw) {
		return false
	}
	for i := 0; i < len(kw); i++ {
		if lower(p[i]) != kw[i] {
			return false
		}
	}
	return true
}

// Analyse computes the figures of p in place, in one pass (each page of
// p is touched once per call, so a protected buffer faults each of its
// frames at most once): p is read a byte at a time into registers and
// never converted to a string, copied, hashed by a library with heap
// state or logged.
func Analyse(p []byte) Figures {
	f := Figures{Bytes: len(p), FNV1a: 0xcbf29ce484222325}
	var next [len(keywords)]int // non-overlapping: no match before next[k]
	inWord, lineStart := false, true
	for i, c := range p {
		if c&0xc0 != 0x80 {
			f.Chars++
		}
		if c == '\n' {
			f.Lines++
		}
		if lineStart && c == '#' {
			f.Headings++
		}
		lineStart = c == '\n'
		if isWhite(c) {
			inWord = false
		} else if !inWord {
			inWord = true
			f.Words++
		}
		f.FNV1a ^= uint64(c)
		f.FNV1a *= 0x100000001b3
		lc := lower(c)
		for k, kw := range keywords {
			if lc == kw[0] && i >= next[k] && hasFold(p[i:], kw) {
				f.KW[k]++
				next[k] = i + len(kw)
			}
		}
	}
	return f
}
