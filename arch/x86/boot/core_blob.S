/*
 * arch/x86/boot/core_blob.S - the hypervisor core image (build/core.bin,
 * linked by linker.ld) carried inside shroud.efi; the loader copies it to
 * the reserved region.  gnu-efi's link script keeps .data in the PE image.
 */
	.section .data.core_blob, "aw"
	.balign 4096
	.globl core_blob
core_blob:
	.incbin CORE_BIN
	.globl core_blob_end
core_blob_end:
	.section .note.GNU-stack, "", @progbits
