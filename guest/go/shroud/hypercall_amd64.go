package shroud

// Implemented in hypercall_amd64.s.
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
func hcall(nr, a0, a1, a2, a3 uint64, intel bool) (rax, rbx, rcx, rdx, rsi uint64)
func clearVectorRegs()

// detectCPU reports whether CPUID carries Shroud's signature (leaf
// CPUID_LEAF_BASE, "ShroudHVisor" in EBX:ECX:EDX) and whether the CPU is
// Intel's (then the hypercall is VMCALL, else VMMCALL).
func detectCPU() (present, intel bool) {
	_, b, c, d := cpuid(0, 0)
	// "GenuineIntel": EBX "Genu", EDX "ineI", ECX "ntel"
	intel = b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e
	_, b, c, d = cpuid(CPUID_LEAF_BASE, 0)
	present = b == CPUID_SIG_EBX && c == CPUID_SIG_ECX && d == CPUID_SIG_EDX
	return present, intel
}

// rawCall executes the hypercall instruction of this CPU's vendor.
func rawCall(intel bool, nr, a0, a1, a2, a3 uint64) (rax, rbx, rcx, rdx, rsi uint64) {
	return hcall(nr, a0, a1, a2, a3, intel)
}
