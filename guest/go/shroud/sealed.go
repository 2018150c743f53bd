package shroud

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"runtime"
	"syscall"
)

// The sealed-file format of guest/prompt-guard (prompt-seal writes it),
// little-endian:
//
//	0    8  magic "SHPROMPT"
//	8    4  version = 1
//	12  12  GCM IV
//	24   8  plaintext length n
//	32   n  ciphertext (AES-256-GCM, AAD = bytes 0..31)
//	32+n 16 tag
const (
	sealedHdrLen = 32
	sealedTagLen = 16
	// SealedMax is the largest plaintext OpenSealed accepts (16 MiB).
	SealedMax = 16 << 20
)

// OpenSealed decrypts a sealed file (the format above, AES-256-GCM under
// key, 32 bytes) straight into a new Buffer protected with o: the
// plaintext is written by the AES-GCM code directly into the protected
// pages and exists nowhere else.  The tag is checked over the whole file;
// on a mismatch the buffer is wiped and destroyed and the error is EBADMSG.
// Other errors: EINVAL (not a sealed file, a key that is not 32 bytes,
// a length over SealedMax), and NewBufferWith's.
//
// The key is the caller's: it is used for one cipher and the caller's
// slice is not kept, but Go's AES keeps its expanded key schedule on the
// heap until the collector reuses the memory.  Until the hypervisor
// unseals with a TPM-sealed key (its SEAL/UNSEAL calls do not exist yet),
// whoever can read the key can decrypt the file.  While Open runs, a
// context switch or a signal can still make the kernel save up to eight
// plaintext blocks held in vector registers (its FPU save area, a signal
// frame); they are cleared right after.
func OpenSealed(blob, key []byte, o Options) (*Buffer, error) {
	if len(key) != 32 {
		return nil, &Error{Op: "unseal", Errno: syscall.EINVAL}
	}
	if len(blob) < sealedHdrLen+sealedTagLen || string(blob[:8]) != "SHPROMPT" ||
		binary.LittleEndian.Uint32(blob[8:]) != 1 {
		return nil, &Error{Op: "unseal", Errno: syscall.EINVAL}
	}
	n := binary.LittleEndian.Uint64(blob[24:])
	if n == 0 || n > SealedMax || uint64(len(blob)) != sealedHdrLen+n+sealedTagLen {
		return nil, &Error{Op: "unseal", Errno: syscall.EINVAL}
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, &Error{Op: "unseal", Errno: syscall.EINVAL}
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, &Error{Op: "unseal", Errno: syscall.EINVAL}
	}
	buf, err := NewBufferWith(int(n), o)
	if err != nil {
		return nil, err
	}
	dst := buf.Bytes()[:0]
	// Open appends to dst in place (cap(dst) == n); it zeroes what it
	// wrote when the tag does not match.  Its last plaintext blocks stay
	// in the vector registers: cleared on the same OS thread right after.
	runtime.LockOSThread()
	_, err = gcm.Open(dst, blob[12:24], blob[sealedHdrLen:], blob[:sealedHdrLen])
	clearVectorRegs()
	runtime.UnlockOSThread()
	if err != nil {
		buf.Destroy()
		return nil, &Error{Op: "unseal", Errno: syscall.EBADMSG}
	}
	return buf, nil
}

// ParseKey reads a key file's contents: 64 hex digits (surrounding white
// space ignored) or 32 raw bytes.  The result is a new slice; the caller
// wipes both when done.  Error: EINVAL.
func ParseKey(data []byte) ([]byte, error) {
	if len(data) == 32 {
		return append([]byte(nil), data...), nil
	}
	s, e := 0, len(data)
	for s < e && isSpace(data[s]) {
		s++
	}
	for e > s && isSpace(data[e-1]) {
		e--
	}
	if e-s != 64 {
		return nil, &Error{Op: "key", Errno: syscall.EINVAL}
	}
	key := make([]byte, 32)
	if _, err := hex.Decode(key, data[s:e]); err != nil {
		wipe(key)
		return nil, &Error{Op: "key", Errno: syscall.EINVAL}
	}
	return key, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
