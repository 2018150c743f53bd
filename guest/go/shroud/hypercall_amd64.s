// guest/go/shroud/hypercall_amd64.s - the two instructions the package
// cannot write in Go: CPUID (discovery) and the hypercall itself, VMMCALL
// on AMD-V and VMCALL on Intel VT-x (AMD APM Vol. 3, "VMMCALL"; Intel SDM
// Vol. 2B, "VMCALL").  ABI (include/shroud/abi.h): call number in RAX,
// arguments in RBX, RCX, RDX, RSI; results in RAX, RBX, RCX, RDX, RSI.
// Both instructions fault (#UD) outside a hypervisor that intercepts
// them: the Go side calls them only after the CPUID signature matched.

#include "textflag.h"

// func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL	leaf+0(FP), AX
	MOVL	sub+4(FP), CX
	CPUID
	MOVL	AX, eax+8(FP)
	MOVL	BX, ebx+12(FP)
	MOVL	CX, ecx+16(FP)
	MOVL	DX, edx+20(FP)
	RET

// func hcall(nr, a0, a1, a2, a3 uint64, intel bool) (rax, rbx, rcx, rdx, rsi uint64)
// intel: VMCALL (VT-x), else VMMCALL (AMD-V).
TEXT ·hcall(SB), NOSPLIT, $0-88
	MOVQ	nr+0(FP), AX
	MOVQ	a0+8(FP), BX
	MOVQ	a1+16(FP), CX
	MOVQ	a2+24(FP), DX
	MOVQ	a3+32(FP), SI
	CMPB	intel+40(FP), $0
	JNE	vmx
	BYTE	$0x0f; BYTE $0x01; BYTE $0xd9	// VMMCALL
	JMP	done
vmx:
	BYTE	$0x0f; BYTE $0x01; BYTE $0xc1	// VMCALL
done:
	MOVQ	AX, rax+48(FP)
	MOVQ	BX, rbx+56(FP)
	MOVQ	CX, rcx+64(FP)
	MOVQ	DX, rdx+72(FP)
	MOVQ	SI, rsi+80(FP)
	RET

// func clearVectorRegs()
// Zeroes X0-X15 (SSE2, present on every x86-64; X15 is ABIInternal's
// zero register and stays zero), so that the last plaintext blocks of a
// decryption do not linger in them until the next context switch copies
// them into the kernel's FPU save area.
TEXT ·clearVectorRegs(SB), NOSPLIT, $0-0
	PXOR	X0, X0
	PXOR	X1, X1
	PXOR	X2, X2
	PXOR	X3, X3
	PXOR	X4, X4
	PXOR	X5, X5
	PXOR	X6, X6
	PXOR	X7, X7
	PXOR	X8, X8
	PXOR	X9, X9
	PXOR	X10, X10
	PXOR	X11, X11
	PXOR	X12, X12
	PXOR	X13, X13
	PXOR	X14, X14
	PXOR	X15, X15
	RET
