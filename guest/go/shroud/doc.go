// Package shroud is the Go interface to the Shroud hypervisor's protected
// memory: byte buffers whose frames stay encrypted in RAM while the
// owning process is not running, readable in clear only by that process's
// own user-mode code (the owner-user policy), never by root, the guest
// kernel, other processes, the host or a physical dump.
//
// It is pure Go (CGO_ENABLED=0 builds work) with one small assembly file
// for CPUID and the hypercall instruction (VMMCALL on AMD-V, VMCALL on
// Intel VT-x; the ABI is include/shroud/abi.h of the Shroud tree).
//
// A Buffer lives outside the Go heap: it is an anonymous mmap, mlocked,
// kept out of fork (MADV_DONTFORK), core dumps (MADV_DONTDUMP) and
// transparent huge pages (MADV_NOHUGEPAGE), prefaulted, then PROTECTed.
// The garbage collector never scans, moves or copies it.  The API follows
// what memguard and golang.org/x/sys/unix.MemfdSecret users know:
//
//	buf, err := shroud.NewBuffer(4096)
//	if errors.Is(err, shroud.ErrNotPresent) { ... not under Shroud ... }
//	defer buf.Destroy()
//	b := buf.Bytes()	// compute on b in place
//
// What stays the caller's job: the bytes are protected only where they
// are.  Converting them to a string, appending them to a heap slice,
// passing them to fmt, a bytes.Buffer or a hash whose state lives on the
// heap, or handing them to a system call (which the owner-user policy
// refuses with EFAULT) copies them out of the buffer.  Compute on the
// slice in place.
//
// Errors are *Error values wrapping the syscall.Errno of the hypercall or
// system call, so errors.Is(err, syscall.EBUSY) works; outside Shroud
// every call fails with ENODEV (ErrNotPresent).  SHROUD_DISABLE=1 in the
// environment prepares buffers the same way but skips PROTECT (control
// runs of tests and benchmarks).
package shroud
