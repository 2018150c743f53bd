/*
 * core/gmem.h - host access to guest-physical memory.  GPA = HPA under
 * Shroud's identity nested map, but the host reads only GPAs that lie in
 * guest RAM (the UEFI map's RAM ranges) and outside the hypervisor's own
 * region: never MMIO (side effects), never its own frames (a guest could
 * otherwise make the host read them for it, e.g. as page tables).
 */
#ifndef CORE_GMEM_H
#define CORE_GMEM_H

#include <stddef.h>
#include <stdint.h>
#include "arch/x86/boot/bootinfo.h"

void gmem_init(const struct boot_info *bi);
/* 0, or -14 (EFAULT) if any byte is outside guest RAM. */
int gmem_read(void *ctx, uint64_t gpa, void *buf, size_t len);
int gmem_is_ram(uint64_t gpa, uint64_t len);

#endif /* CORE_GMEM_H */
