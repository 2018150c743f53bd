package shroud

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"
)

// ErrNotPresent is the error (syscall.ENODEV) of every call made outside
// Shroud, or under a hypervisor that offers no protected memory:
// errors.Is(err, ErrNotPresent).
var ErrNotPresent error = syscall.ENODEV

// Error is the error of a failed operation: what was tried and the Linux
// errno it failed with (the ABI's SHROUD_E* codes are the same numbers).
type Error struct {
	Op    string        // "protect", "unprotect", "stats", "mmap", "mlock", ...
	Errno syscall.Errno // the cause; errors.Is matches it
}

// Error returns "shroud: OP: MESSAGE" with the message in Shroud's terms.
func (e *Error) Error() string {
	return "shroud: " + e.Op + ": " + Strerror(e.Errno)
}

// Unwrap returns the errno, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Errno }

// Strerror describes an errno value the way Shroud's calls mean it
// ("range overlaps a partition or a frame is shared" for EBUSY, ...),
// falling back to the system's message.
func Strerror(e syscall.Errno) string {
	switch e {
	case syscall.EPERM:
		return "not allowed (privilege, or not the owner)"
	case syscall.ENOENT:
		return "no such partition"
	case syscall.EIO:
		return "integrity check failed (frames zeroed)"
	case syscall.E2BIG:
		return "range longer than the partition limit"
	case syscall.EFAULT:
		return "address not mapped (prefault it) or not RAM"
	case syscall.EACCES:
		return "kernel address or supervisor-only page"
	case syscall.EBUSY:
		return "range overlaps a partition or a frame is shared"
	case syscall.EINVAL:
		return "malformed argument"
	case syscall.ENOSPC:
		return "hypervisor tables full"
	case syscall.ENODEV:
		return "not running under Shroud (or no protected memory)"
	}
	return e.Error()
}

var detect struct {
	once    sync.Once
	present bool
	intel   bool
}

func cpuPresent() (present, intel bool) {
	detect.once.Do(func() {
		detect.present, detect.intel = detectCPU()
	})
	return detect.present, detect.intel
}

// Hypercall makes the raw call nr with four arguments (RBX, RCX, RDX, RSI)
// and returns RAX (signed: negative is -errno) and RBX, RCX, RDX, RSI.
// Outside Shroud it returns -ENODEV without executing the instruction
// (which would fault).  For tests and tools; the typed functions of this
// package validate and decode for everyone else.  Any goroutine may call.
func Hypercall(nr, a0, a1, a2, a3 uint64) (rax int64, out [4]uint64) {
	present, intel := cpuPresent()
	if !present {
		return -int64(syscall.ENODEV), out
	}
	r, b, c, d, s := rawCall(intel, nr, a0, a1, a2, a3)
	return int64(r), [4]uint64{b, c, d, s}
}

// call returns RAX as a value, or an *Error; ENOSYS (an ABI without the
// call) reads as ENODEV, as in libshroud.
func call(op string, nr, a0, a1, a2, a3 uint64) (int64, [4]uint64, error) {
	rax, out := Hypercall(nr, a0, a1, a2, a3)
	if rax >= 0 {
		return rax, out, nil
	}
	e := syscall.Errno(-rax)
	if e == syscall.ENOSYS {
		e = syscall.ENODEV
	}
	return rax, out, &Error{Op: op, Errno: e}
}

// Info is the hypervisor's identity (HC_VERSION).
type Info struct {
	ABI     uint32 // ABI version, major<<16 | minor
	Version uint32 // hypervisor version, major<<16 | minor<<8 | patch
	Protect bool   // protected memory is offered (ABI 1.1 or later)
}

// String gives e.g. "ABI 1.4, Shroud 0.1.0".
func (i Info) String() string {
	return fmt.Sprintf("ABI %d.%d, Shroud %d.%d.%d", i.ABI>>16, i.ABI&0xffff,
		i.Version>>16&0xff, i.Version>>8&0xff, i.Version&0xff)
}

// GetInfo asks the hypervisor who it is.  Errors: ErrNotPresent.
func GetInfo() (Info, error) {
	_, out, err := call("version", HC_VERSION, 0, 0, 0, 0)
	if err != nil || out[2] != ABI_MAGIC {
		return Info{}, &Error{Op: "version", Errno: syscall.ENODEV}
	}
	abi := uint32(out[0])
	return Info{ABI: abi, Version: uint32(out[1]),
		Protect: abi>>16 == ABI_MAJOR && abi&0xffff >= 1}, nil
}

// Present reports whether this program runs under Shroud (the CPUID
// signature and the VERSION call's magic).
func Present() bool {
	_, err := GetInfo()
	return err == nil
}

// Stats is the hypervisor's global counters (HC_STATS, struct
// shroud_stats of abi.h; fields an older hypervisor does not write are 0).
type Stats struct {
	Partitions      uint32 // live partitions
	Faults          uint64 // nested page faults on protected frames
	Decryptions     uint64 // frames decrypted
	Encryptions     uint64 // frames encrypted
	Evictions       uint64 // working-set evictions
	Denials         uint64 // accesses refused (foreign writes, policy)
	Tamper          uint64 // integrity-tag failures
	Anomalies       uint64 // execution in data frames
	Remaps          uint64 // changed GVA->GPA mappings seen
	ProtectedFrames uint64 // frames in partitions
	ClearFrames     uint64 // frames currently in clear
	ForeignReads    uint64 // reads by other contexts (ABI 1.2)
	EventsDropped   uint64 // events lost to a full ring (ABI 1.2)
	KlockTextFrames uint64 // kernel-text frames locked (ABI 1.3)
	KlockRefused    uint64 // fetches and text writes the lock refused (ABI 1.3)
}

// statsSize is sizeof(struct shroud_stats): two u32, fifteen u64.
const statsSize = 8 + 15*8

// GetStats reads the global counters.  Errors: ErrNotPresent, EFAULT.
func GetStats() (Stats, error) {
	// The hypervisor writes into a page the caller has mapped writable:
	// a heap object (Go's heap never moves), written first so that its
	// page is present, kept alive across the call.
	buf := make([]byte, statsSize)
	for i := range buf {
		buf[i] = 0
	}
	binary.LittleEndian.PutUint32(buf, statsSize)
	_, _, err := call("stats", HC_STATS, uint64(uintptr(unsafe.Pointer(&buf[0]))),
		statsSize, 0, 0)
	runtime.KeepAlive(buf)
	if err != nil {
		return Stats{}, err
	}
	u := func(i int) uint64 { return binary.LittleEndian.Uint64(buf[8+8*i:]) }
	return Stats{Partitions: binary.LittleEndian.Uint32(buf[4:]),
		Faults: u(0), Decryptions: u(1), Encryptions: u(2), Evictions: u(3),
		Denials: u(4), Tamper: u(5), Anomalies: u(6), Remaps: u(7),
		ProtectedFrames: u(8), ClearFrames: u(9), ForeignReads: u(10),
		EventsDropped: u(11), KlockTextFrames: u(12), KlockRefused: u(13)}, nil
}

// Partition describes one partition (HC_QUERY).  A caller that is not its
// owner gets GVA = 0 and ClearFrames = 0 (owner-only fields, ABI 1.2).
type Partition struct {
	ID          int
	GVA         uint64 // start of the range in the owner's address space
	Len         uint64 // bytes
	Sensitivity uint32 // SENS_*
	Policy      uint32 // POLICY_*
	Tier        uint32 // TIER_*
	Mine        bool   // the caller's address space owns it
	Integrity   bool   // AES-GCM per frame
	ClearFrames uint64 // frames in clear now
}

// Query describes partition id.  Errors: ENOENT, ErrNotPresent.
func Query(id int) (Partition, error) {
	_, out, err := call("query", HC_QUERY, uint64(uint32(id)), 0, 0, 0)
	if err != nil {
		return Partition{}, err
	}
	d := out[2]
	return Partition{ID: id, GVA: out[0], Len: out[1],
		Sensitivity: uint32(d & 0xff), Policy: uint32(d >> 8 & 0xff),
		Tier: uint32(d >> 16 & 0xff), Mine: d>>24&1 != 0,
		Integrity: d>>25&1 != 0, ClearFrames: out[3]}, nil
}

// Partitions lists every live partition (HC_LIST, then HC_QUERY each).
// Errors: ErrNotPresent.
func Partitions() ([]Partition, error) {
	var parts []Partition
	for cursor := uint64(0); ; {
		rax, _, err := call("list", HC_LIST, cursor, 0, 0, 0)
		if err != nil {
			if e, ok := err.(*Error); ok && e.Errno == syscall.ENOENT {
				return parts, nil
			}
			return parts, err
		}
		p, err := Query(int(rax))
		if err == nil {
			parts = append(parts, p)
		}
		cursor = uint64(rax)
	}
}

// disabled reports SHROUD_DISABLE (any value but "" and "0"): control
// runs prepare memory the same way and skip PROTECT.
func disabled() bool {
	v := os.Getenv("SHROUD_DISABLE")
	return v != "" && v != "0"
}
