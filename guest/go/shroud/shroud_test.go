package shroud

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// These tests run on the build host, where Shroud is absent: they check
// the ENODEV paths, the buffer logic on fallback memory and the sealed
// format.  The protected paths run in the guest (test/integration).

func skipUnderShroud(t *testing.T) {
	if p, _ := detectCPU(); p {
		t.Skip("running under Shroud: the host-only checks do not apply")
	}
}

func wantErrno(t *testing.T, err error, e syscall.Errno, op string) {
	t.Helper()
	if !errors.Is(err, e) {
		t.Fatalf("error %v, want %v", err, e)
	}
	var se *Error
	if !errors.As(err, &se) || (op != "" && se.Op != op) {
		t.Fatalf("error %#v, want *Error with Op %q", err, op)
	}
}

func TestNotPresent(t *testing.T) {
	skipUnderShroud(t)
	if Present() {
		t.Fatal("Present() on a host without Shroud")
	}
	_, err := GetInfo()
	wantErrno(t, err, syscall.ENODEV, "version")
	if !errors.Is(err, ErrNotPresent) {
		t.Fatalf("%v is not ErrNotPresent", err)
	}
	_, err = GetStats()
	wantErrno(t, err, syscall.ENODEV, "stats")
	_, err = Query(1)
	wantErrno(t, err, syscall.ENODEV, "query")
	_, err = Partitions()
	wantErrno(t, err, syscall.ENODEV, "list")
	if rax, _ := Hypercall(HC_VERSION, 0, 0, 0, 0); rax != -int64(syscall.ENODEV) {
		t.Fatalf("Hypercall = %d, want -ENODEV without a call", rax)
	}
	_, err = NewBuffer(4096)
	wantErrno(t, err, syscall.ENODEV, "alloc")
}

func TestErrorText(t *testing.T) {
	e := &Error{Op: "protect", Errno: syscall.EBUSY}
	if got := e.Error(); got != "shroud: protect: range overlaps a partition or a frame is shared" {
		t.Fatalf("Error() = %q", got)
	}
	wrapped := fmt.Errorf("ctx: %w", e)
	if !errors.Is(wrapped, syscall.EBUSY) {
		t.Fatal("errors.Is does not reach the errno")
	}
	if Strerror(syscall.EPIPE) != syscall.EPIPE.Error() {
		t.Fatal("unknown errno does not fall back to the system message")
	}
}

func TestOptionsFlags(t *testing.T) {
	for _, c := range []struct {
		o           Options
		sens, flags uint64
		bad         bool
	}{
		{Options{}, SENS_SECRET, POLICY_OWNER_USER, false},
		{Options{Policy: POLICY_OWNER, Integrity: true, WorkingSet: 4},
			SENS_SECRET, POLICY_OWNER | PF_INTEGRITY | 4<<PF_WS_SHIFT, false},
		{Options{AnyContext: true, Sensitivity: SENS_INTERNAL}, SENS_INTERNAL, POLICY_ANY, false},
		{Options{WorkingSet: WS_MAX}, SENS_SECRET, POLICY_OWNER_USER | WS_MAX<<PF_WS_SHIFT, false},
		{Options{Sensitivity: 4}, 0, 0, true},
		{Options{Policy: 3}, 0, 0, true},
		{Options{WorkingSet: WS_MAX + 1}, 0, 0, true},
		{Options{WorkingSet: -1}, 0, 0, true},
	} {
		s, f, err := c.o.flags()
		if c.bad {
			if err != syscall.EINVAL {
				t.Errorf("%+v: err %v, want EINVAL", c.o, err)
			}
			if _, nerr := NewBufferWith(4096, Options{Fallback: true,
				Sensitivity: c.o.Sensitivity, Policy: c.o.Policy,
				WorkingSet: c.o.WorkingSet}); !errors.Is(nerr, syscall.EINVAL) {
				t.Errorf("%+v: NewBufferWith err %v, want EINVAL", c.o, nerr)
			}
			continue
		}
		if err != nil || s != c.sens || f != c.flags {
			t.Errorf("%+v: got %d %#x %v, want %d %#x", c.o, s, f, err, c.sens, c.flags)
		}
	}
}

// vmFlags returns the VmFlags line of /proc/self/smaps for the mapping
// that starts at addr.
func vmFlags(t *testing.T, addr uintptr) string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skip("no /proc/self/smaps:", err)
	}
	head := fmt.Sprintf("%x-", addr)
	in := false
	for _, ln := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(ln, head) {
			in = true
		} else if in && strings.HasPrefix(ln, "VmFlags:") {
			return ln
		}
	}
	t.Fatalf("mapping %#x not in /proc/self/smaps", addr)
	return ""
}

func TestFallbackBuffer(t *testing.T) {
	skipUnderShroud(t)
	b, err := NewBufferWith(5000, Options{Fallback: true})
	if err != nil {
		t.Fatal(err)
	}
	p := b.Bytes()
	if len(p) != 5000 || cap(p) != 5000 || b.Size() != 5000 {
		t.Fatalf("len %d cap %d size %d, want 5000", len(p), cap(p), b.Size())
	}
	if b.Protected() || b.IDs() != nil || !b.Alive() {
		t.Fatal("a fallback buffer must be alive and unprotected")
	}
	if !bytes.Equal(p, make([]byte, 5000)) {
		t.Fatal("not zero-filled")
	}
	// Two pages, locked, out of fork, dumps and THP.
	fl := vmFlags(t, uintptr(unsafe.Pointer(&p[0])))
	for _, f := range []string{" lo", " dc", " dd", " nh"} {
		if !strings.Contains(fl, f) {
			t.Errorf("VmFlags %q lacks%s", fl, f)
		}
	}
	for i := range p {
		p[i] = byte(i)
	}
	b.Wipe()
	if !bytes.Equal(p, make([]byte, 5000)) {
		t.Fatal("Wipe left bytes")
	}
	if err := b.Destroy(); err != nil {
		t.Fatal(err)
	}
	if b.Bytes() != nil || b.Size() != 0 || b.Alive() {
		t.Fatal("a destroyed buffer still hands out memory")
	}
	wantErrno(t, b.Destroy(), syscall.EINVAL, "destroy")
}

func TestDisabledRunsWithoutFallback(t *testing.T) {
	skipUnderShroud(t)
	t.Setenv("SHROUD_DISABLE", "1")
	b, err := NewBuffer(1)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Destroy()
	if b.Protected() || len(b.Bytes()) != 1 {
		t.Fatal("SHROUD_DISABLE=1 buffer must be a plain one of the asked size")
	}
}

func TestBadSizes(t *testing.T) {
	for _, n := range []int{0, -1} {
		_, err := NewBufferWith(n, Options{Fallback: true})
		wantErrno(t, err, syscall.EINVAL, "alloc")
	}
}

// seal builds a sealed file as prompt-seal does (the reference: Go's
// crypto, independent of OpenSealed's parsing).
func seal(t *testing.T, key, msg []byte) []byte {
	t.Helper()
	hdr := make([]byte, sealedHdrLen)
	copy(hdr, "SHPROMPT")
	binary.LittleEndian.PutUint32(hdr[8:], 1)
	if _, err := rand.Read(hdr[12:24]); err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint64(hdr[24:], uint64(len(msg)))
	blk, _ := aes.NewCipher(key)
	g, _ := cipher.NewGCM(blk)
	return g.Seal(hdr, hdr[12:24], msg, hdr)
}

func TestOpenSealed(t *testing.T) {
	skipUnderShroud(t)
	key := make([]byte, 32)
	rand.Read(key)
	msg := bytes.Repeat([]byte("# Role and Context — secret prompt\n"), 300)
	blob := seal(t, key, msg)
	b, err := OpenSealed(blob, key, Options{Fallback: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), msg) {
		t.Fatal("plaintext differs")
	}
	b.Destroy()

	for name, mut := range map[string]func([]byte) []byte{
		"ciphertext": func(p []byte) []byte { p[sealedHdrLen+7] ^= 1; return p },
		"tag":        func(p []byte) []byte { p[len(p)-1] ^= 0x80; return p },
		"aad":        func(p []byte) []byte { p[12] ^= 1; return p },
	} {
		_, err := OpenSealed(mut(append([]byte(nil), blob...)), key, Options{Fallback: true})
		wantErrno(t, err, syscall.EBADMSG, "unseal")
		_ = name
	}
	wrong := append([]byte(nil), key...)
	wrong[0] ^= 1
	_, err = OpenSealed(blob, wrong, Options{Fallback: true})
	wantErrno(t, err, syscall.EBADMSG, "unseal")

	for name, bad := range map[string][]byte{
		"short":   blob[:20],
		"magic":   append([]byte("XXPROMPT"), blob[8:]...),
		"length":  blob[:len(blob)-1],
		"version": func() []byte { p := append([]byte(nil), blob...); p[8] = 2; return p }(),
	} {
		_, err := OpenSealed(bad, key, Options{Fallback: true})
		if !errors.Is(err, syscall.EINVAL) {
			t.Errorf("%s: err %v, want EINVAL", name, err)
		}
	}
	_, err = OpenSealed(blob, key[:16], Options{Fallback: true})
	wantErrno(t, err, syscall.EINVAL, "unseal")
	// Without Shroud and without Fallback: ENODEV, nothing decrypted.
	_, err = OpenSealed(blob, key, Options{})
	wantErrno(t, err, syscall.ENODEV, "alloc")
}

func TestParseKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, 32)
	hexKey := []byte("  " + strings.Repeat("ab", 32) + "\n")
	for _, in := range [][]byte{raw, hexKey} {
		k, err := ParseKey(in)
		if err != nil || !bytes.Equal(k, raw) {
			t.Fatalf("ParseKey(%q) = %x, %v", in, k, err)
		}
	}
	for _, in := range []string{"", "abcd", strings.Repeat("zz", 32), strings.Repeat("ab", 33)} {
		if _, err := ParseKey([]byte(in)); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("ParseKey(%q): err %v, want EINVAL", in, err)
		}
	}
}
