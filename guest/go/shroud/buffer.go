package shroud

import (
	"sync"
	"syscall"
	"unsafe"
)

// madvise advice values of Linux (include/uapi/asm-generic/mman-common.h)
// that the frozen syscall package does not all name.
const (
	madvDontfork   = 10
	madvNohugepage = 15
	madvDontdump   = 16
)

// Options choose how a Buffer is protected.  The zero value is the usual
// choice: SENS_SECRET, the owner-user policy, XTS, the hypervisor's
// default working set.
type Options struct {
	// Sensitivity is SENS_* (0 means SENS_SECRET).
	Sensitivity uint32
	// Policy is POLICY_OWNER_USER (the default: the guest kernel never
	// gets the plaintext, so a system call given the bytes fails with
	// EFAULT), POLICY_OWNER (the owner's kernel may read it, e.g. for
	// write(2)) or POLICY_ANY.  0 means the default; POLICY_ANY must be
	// asked for with AnyContext.
	Policy uint32
	// AnyContext selects POLICY_ANY (encryption at rest in RAM only).
	AnyContext bool
	// Integrity selects AES-128-GCM per frame: an altered frame is
	// detected (EIO, frame zeroed) instead of decrypting to garbage.
	Integrity bool
	// WorkingSet is the clear working set W in frames, 1..WS_MAX
	// (0: the hypervisor's default).
	WorkingSet int
	// Fallback makes NewBuffer succeed outside Shroud with plain locked
	// memory (Protected reports false) instead of failing with ENODEV.
	Fallback bool
}

func (o Options) flags() (sens, flags uint64, err error) {
	sens = SENS_SECRET
	if o.Sensitivity != 0 {
		sens = uint64(o.Sensitivity)
	}
	if sens > SENS_SECRET {
		return 0, 0, syscall.EINVAL
	}
	policy := uint64(POLICY_OWNER_USER)
	switch {
	case o.AnyContext:
		policy = POLICY_ANY
	case o.Policy != 0:
		policy = uint64(o.Policy)
	}
	if policy > POLICY_OWNER_USER {
		return 0, 0, syscall.EINVAL
	}
	flags = policy
	if o.Integrity {
		flags |= PF_INTEGRITY
	}
	if o.WorkingSet < 0 || o.WorkingSet > WS_MAX {
		return 0, 0, syscall.EINVAL
	}
	flags |= uint64(o.WorkingSet) << PF_WS_SHIFT
	return sens, flags, nil
}

// Buffer is protected memory outside the Go heap.  Its methods may be
// called from any goroutine; the bytes themselves are the caller's to
// synchronise.  A Buffer must be released with Destroy: it is not
// finalized (the slice from Bytes may outlive the *Buffer).
type Buffer struct {
	mu        sync.Mutex
	mem       []byte // the whole mapping, page multiple
	size      int    // bytes asked for
	ids       []int  // partitions, one per PROTECT_MAX_LEN chunk
	protected bool
}

// NewBuffer allocates size bytes (rounded up to whole 4 KiB pages) of
// protected memory with the default Options.  See NewBufferWith.
func NewBuffer(size int) (*Buffer, error) {
	return NewBufferWith(size, Options{})
}

// NewBufferWith allocates size bytes of protected memory, zero-filled:
// mmap, MADV_DONTFORK/DONTDUMP/NOHUGEPAGE, mlock, prefault, then PROTECT
// in chunks of PROTECT_MAX_LEN (one partition each).  Errors (*Error):
// EINVAL (size <= 0, bad Options), ENOMEM, ErrNotPresent (no Shroud and no
// Fallback), or PROTECT's EBUSY, ENOSPC, EFAULT, EACCES.  On an error
// nothing stays mapped or protected.
func NewBufferWith(size int, o Options) (*Buffer, error) {
	sens, flags, err := o.flags()
	if err != nil {
		return nil, &Error{Op: "options", Errno: err.(syscall.Errno)}
	}
	if size <= 0 {
		return nil, &Error{Op: "alloc", Errno: syscall.EINVAL}
	}
	// Decide before touching memory: nothing to undo on ENODEV.
	info, ierr := GetInfo()
	usable := ierr == nil && info.Protect
	if !usable && !o.Fallback && !disabled() {
		return nil, &Error{Op: "alloc", Errno: syscall.ENODEV}
	}
	n := (size + PAGE_SIZE - 1) &^ (PAGE_SIZE - 1)
	mem, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
	if err != nil {
		return nil, &Error{Op: "mmap", Errno: err.(syscall.Errno)}
	}
	b := &Buffer{mem: mem, size: size}
	for _, adv := range []int{madvDontfork, madvDontdump, madvNohugepage} {
		if err := syscall.Madvise(mem, adv); err != nil {
			b.unmap()
			return nil, &Error{Op: "madvise", Errno: err.(syscall.Errno)}
		}
	}
	if err := syscall.Mlock(mem); err != nil {
		b.unmap()
		return nil, &Error{Op: "mlock", Errno: err.(syscall.Errno)}
	}
	// Prefault: every page present and this address space's own (a
	// write, so not the shared zero page), as PROTECT requires.
	for i := 0; i < n; i += PAGE_SIZE {
		mem[i] = 0
	}
	if !usable || disabled() {
		return b, nil
	}
	for off := 0; off < n; off += PROTECT_MAX_LEN {
		chunk := n - off
		if chunk > PROTECT_MAX_LEN {
			chunk = PROTECT_MAX_LEN
		}
		id, _, err := call("protect", HC_PROTECT,
			uint64(uintptr(unsafe.Pointer(&mem[off]))), uint64(chunk),
			sens, flags)
		if err != nil {
			b.release()
			b.unmap()
			return nil, err
		}
		b.ids = append(b.ids, int(id))
	}
	b.protected = true
	return b, nil
}

// Bytes returns the buffer's bytes (length: the size asked for), or nil
// after Destroy.  The slice aliases the protected memory: compute on it
// in place; copying it anywhere else copies the secret out.
func (b *Buffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mem == nil {
		return nil
	}
	return b.mem[:b.size:b.size]
}

// Size returns the size asked for (0 after Destroy).
func (b *Buffer) Size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mem == nil {
		return 0
	}
	return b.size
}

// Addr returns the address of the first byte (0 after Destroy), for
// diagnostics: the range a scan must have read.
func (b *Buffer) Addr() uintptr {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mem == nil {
		return 0
	}
	return uintptr(unsafe.Pointer(&b.mem[0]))
}

// Protected reports whether the hypervisor protects the buffer (false for
// a Fallback buffer, under SHROUD_DISABLE=1, and after Destroy).
func (b *Buffer) Protected() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.protected
}

// Alive reports whether Destroy has not been called yet.
func (b *Buffer) Alive() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mem != nil
}

// IDs returns the partition ids covering the buffer (nil if unprotected).
func (b *Buffer) IDs() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.ids...)
}

// Wipe zeroes the whole buffer in place.
func (b *Buffer) Wipe() {
	b.mu.Lock()
	defer b.mu.Unlock()
	wipe(b.mem)
}

// wipe zeroes p; the loop is not removed (p is memory the compiler cannot
// prove dead: it aliases an mmap the caller still holds).
func wipe(p []byte) {
	for i := range p {
		p[i] = 0
	}
}

// release UNPROTECTs every partition; the first error is returned, the
// rest are still tried.  The frames come back in clear (zeroed first by
// the caller) or, on EIO, zeroed by the hypervisor.
func (b *Buffer) release() error {
	var first error
	for _, id := range b.ids {
		if _, _, err := call("unprotect", HC_UNPROTECT, uint64(uint32(id)), 0, 0, 0); err != nil && first == nil {
			first = err
		}
	}
	b.ids = nil
	b.protected = false
	return first
}

func (b *Buffer) unmap() {
	if b.mem != nil {
		_ = syscall.Munlock(b.mem)
		_ = syscall.Munmap(b.mem)
		b.mem = nil
	}
}

// Destroy wipes the bytes, UNPROTECTs the partitions, unlocks and unmaps
// the memory.  The memory is released even on an error; the error is the
// first UNPROTECT failure (EIO: a frame failed its integrity check and was
// zeroed by the hypervisor).  Destroy on a destroyed Buffer returns an
// *Error with EINVAL.  The slices from Bytes must not be used afterwards.
func (b *Buffer) Destroy() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mem == nil {
		return &Error{Op: "destroy", Errno: syscall.EINVAL}
	}
	wipe(b.mem)
	err := b.release()
	b.unmap()
	return err
}
