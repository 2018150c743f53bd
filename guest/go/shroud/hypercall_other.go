//go:build !amd64

package shroud

// Shroud is an x86-64 hypervisor: elsewhere it is never present.
func detectCPU() (present, intel bool) { return false, false }

func rawCall(intel bool, nr, a0, a1, a2, a3 uint64) (rax, rbx, rcx, rdx, rsi uint64) {
	panic("shroud: hypercall on a CPU without Shroud")
}

func clearVectorRegs() {}
