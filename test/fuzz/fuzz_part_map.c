/*
 * test/fuzz/fuzz_part_map.c - libFuzzer harness for the partition map
 * (mm/part_map.h). Each 6-byte record of the input is one operation
 * (insert / assign / remove) on a 1024-frame window with a small capacity;
 * after every operation part_map_check() must pass and every frame must
 * belong to what a per-frame reference model says. Any mismatch aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "part_map.h"

#define WIN 1024u

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static uint16_t owner_of(const struct part_map *m, uint64_t g)
{
	const struct part_extent *e = part_map_lookup(m, mk_gfn(g));
	return e ? e->part_id : PART_ID_NONE;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static uint16_t model[WIN];
	struct part_extent store[24];
	struct part_map m;

	if (part_map_init(&m, store, 24))
		abort();
	for (unsigned i = 0; i < WIN; i++)
		model[i] = PART_ID_NONE;
	for (; n >= 6; d += 6, n -= 6) {
		uint64_t s = (uint64_t)(d[1] | d[2] << 8) % WIN;
		uint64_t len = (uint64_t)(d[3] | d[4] << 8) % 300;
		uint16_t id = d[5] % 6;
		int op = d[0] % 3, rc;
		if (op == 0)
			rc = part_map_insert(&m, mk_gfn(s), len, id);
		else if (op == 1)
			rc = part_map_assign(&m, mk_gfn(s), len, id);
		else
			rc = part_map_remove(&m, mk_gfn(s), len);
		if (part_map_check(&m))
			abort();
		if (rc == 0)
			for (uint64_t g = s; g < s + len && g < WIN; g++)
				model[g] = op == 2 ? PART_ID_NONE : id;
		else if (rc != -ENG_EBUSY && rc != -ENG_ENOSPC &&
			 !(rc == -ENG_EINVAL && len == 0))
			abort();
		for (uint64_t g = 0; g < WIN; g++)
			if (owner_of(&m, g) != model[g] && s + len <= WIN)
				abort();
	}
	return 0;
}
