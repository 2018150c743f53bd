/*
 * core/gmem.c - checked host access to guest RAM (see gmem.h).
 */
#include "core/gmem.h"
#include "core/lib.h"
#include "mm/frame.h"

static struct bi_ram_range ram[BI_RAM_RANGES_MAX];
static uint32_t ram_count;
static uint64_t hv_base, hv_end;

void gmem_init(const struct boot_info *bi)
{
	ram_count = bi->ram_count < BI_RAM_RANGES_MAX ? bi->ram_count :
		BI_RAM_RANGES_MAX;
	memcpy(ram, bi->ram, ram_count * sizeof(ram[0]));
	hv_base = bi->hv_base;
	hv_end = bi->hv_base + bi->hv_size;
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

int gmem_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (!gmem_is_ram(gpa, len))
		return -14;
	memcpy(buf, hpa_ptr(gpa), len);
	return 0;
}
