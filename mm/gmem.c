/*
 * mm/gmem.c - checked host access to guest RAM (see gmem.h).
 */
#include "mm/gmem.h"
#include "base/lib.h"

struct range {
	uint64_t base, size;
};

static struct range ram[GMEM_RANGES_MAX];
static uint32_t ram_count;
static uint64_t hv_base, hv_end;
static uintptr_t window;

void gmem_reset(void)
{
	ram_count = 0;
	hv_base = hv_end = 0;
}

int gmem_add_ram(uint64_t base, uint64_t size)
{
	if (ram_count == GMEM_RANGES_MAX)
		return -ENG_ENOSPC;
	ram[ram_count].base = base;
	ram[ram_count].size = size;
	ram_count++;
	return 0;
}

void gmem_set_hidden(uint64_t base, uint64_t size)
{
	hv_base = base;
	hv_end = base + size;
}

void gmem_set_window(void *base)
{
	window = (uintptr_t)base;
}

int gmem_is_ram(uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len;
	uint32_t i;

	if (!len || end < gpa)
		return 0;
	if (gpa < hv_end && end > hv_base)
		return 0;
	for (i = 0; i < ram_count; i++)
		if (gpa >= ram[i].base && end <= ram[i].base + ram[i].size)
			return 1;
	return 0;
}

void *gmem_ptr(gpa_t gpa, uint64_t len)
{
	if (!gmem_is_ram(gpa.v, len))
		return NULL;
	return (void *)(window + (uintptr_t)gpa.v);
}

int gmem_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	void *p = gmem_ptr(mk_gpa(gpa), len);

	(void)ctx;
	if (!p)
		return -ENG_EFAULT;
	memcpy(buf, p, len);
	return 0;
}
