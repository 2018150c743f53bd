/*
 * core/header.c - the core image's header (struct core_header), placed
 * first by linker.ld so the loader can find the entry point and the
 * W^X boundaries of the flat image.
 */
#include "arch/x86/boot/bootinfo.h"

extern char core_entry[], __text_end[], __rodata_end[], __data_end[],
	__bss_end[];

__attribute__((section(".core_header"), used))
const struct core_header core_header = {
	.magic = CORE_HEADER_MAGIC,
	.entry = (uint64_t)core_entry,
	.text_end = (uint64_t)__text_end,
	.rodata_end = (uint64_t)__rodata_end,
	.data_end = (uint64_t)__data_end,
	.bss_end = (uint64_t)__bss_end,
};
