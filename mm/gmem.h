/*
 * mm/gmem.h - host access to guest-physical memory.  GPA = HPA under
 * Shroud's identity guest-physical map, but the host touches only GPAs
 * that lie in guest RAM (the UEFI map's RAM ranges) and outside the
 * hypervisor's own region: never MMIO (side effects), never its own frames
 * (a guest could otherwise make the host read them for it, e.g. as page
 * tables).  Host unit tests point the same code at a fake guest memory
 * (gmem_set_window).
 */
#ifndef MM_GMEM_H
#define MM_GMEM_H

#include <stddef.h>
#include <stdint.h>
#include "base/types.h"

#define GMEM_RANGES_MAX	64u

/* Forget every range; then add the guest's RAM ranges one by one.
 * gmem_add_ram: 0, or -ENG_ENOSPC past GMEM_RANGES_MAX. */
void gmem_reset(void);
__attribute__((warn_unused_result))
int gmem_add_ram(uint64_t base, uint64_t size);
/* The hypervisor's region: never guest RAM, whatever the ranges say. */
void gmem_set_hidden(uint64_t base, uint64_t size);
/* Host tests: guest-physical 0 is at host address @base (the hypervisor
 * runs with base 0, the identity map). */
void gmem_set_window(void *base);

/* 1 if [gpa, gpa + len) is guest RAM (len > 0, no wrap), else 0. */
int gmem_is_ram(uint64_t gpa, uint64_t len);
/* Host pointer to guest RAM at @gpa, or NULL if [gpa, gpa + len) is not
 * guest RAM. */
void *gmem_ptr(gpa_t gpa, uint64_t len);
/* struct gpt_walk's reader: 0, or -ENG_EFAULT if any byte is outside guest
 * RAM. */
__attribute__((warn_unused_result))
int gmem_read(void *ctx, uint64_t gpa, void *buf, size_t len);

#endif /* MM_GMEM_H */
