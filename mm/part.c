/*
 * mm/part.c - the partition table and the attribute rules (mm/part.h).
 */
#include <string.h>

#include "part.h"

int part_table_init(struct part_table *t, struct partition *slots,
		    uint32_t cap, uint64_t *ws_storage, uint32_t ws_cap,
		    uint32_t ws_default)
{
	if (!t || !slots || !ws_storage || cap == 0 || cap > 0xfffe ||
	    ws_cap == 0 || ws_cap > WS_MAX_W || ws_default == 0 ||
	    ws_default > ws_cap)
		return -ENG_EINVAL;
	memset(slots, 0, cap * sizeof(*slots));
	t->p = slots;
	t->cap = cap;
	t->ws_storage = ws_storage;
	t->ws_cap = ws_cap;
	t->ws_default = ws_default;
	t->key_seq = 0;
	return 0;
}

enum part_tier part_min_tier(enum part_sens floor)
{
	return floor >= PART_SENS_CONFIDENTIAL ? PART_TIER_ENCRYPTED
					       : PART_TIER_CLEAR;
}

enum part_tier part_max_tier(enum part_sens sens)
{
	switch (sens) {
	case PART_SENS_PUBLIC: return PART_TIER_CLEAR;
	case PART_SENS_SECRET: return PART_TIER_ISOLATED;
	default: return PART_TIER_ENCRYPTED;
	}
}

enum part_tier part_default_tier(enum part_sens sens)
{
	return sens == PART_SENS_PUBLIC ? PART_TIER_CLEAR : PART_TIER_ENCRYPTED;
}

uint32_t part_ws_limit(const struct part_table *t, enum part_tier tier)
{
	return tier == PART_TIER_ISOLATED ? 1u : t->ws_default;
}

bool part_profile_exec(enum part_profile p)
{
	return p == PART_PROF_CODE || p == PART_PROF_KERNEL_CODE ||
	       p == PART_PROF_FIRMWARE;
}

static bool attr_ok(const struct part_attr *a)
{
	if (a->profile >= PART_PROF_COUNT || a->sens >= PART_SENS_COUNT ||
	    a->tier >= PART_TIER_COUNT || a->access >= PART_ACC_COUNT ||
	    a->cipher >= PART_CIPHER_COUNT)
		return false;
	if (a->tier < part_min_tier((enum part_sens)a->sens))
		return false;
	return a->access == PART_ACC_ANY || a->owner != 0;
}

int part_create(struct part_table *t, const struct part_attr *a, uint16_t *id)
{
	if (!t || !a || !id || !attr_ok(a))
		return -ENG_EINVAL;
	if (t->key_seq == UINT32_MAX)	/* every key id of this boot used */
		return -ENG_ENOSPC;
	for (uint32_t i = 0; i < t->cap; i++) {
		struct partition *p = &t->p[i];
		if (p->used)
			continue;
		memset(p, 0, sizeof(*p));
		p->id = (uint16_t)i;
		p->used = 1;
		p->profile = a->profile;
		p->sens = p->floor = a->sens;
		p->tier = a->tier;
		p->access = a->access;
		p->cipher = a->cipher;
		p->owner = a->owner & PART_OWNER_MASK;
		p->key_id = ++t->key_seq;	/* never reused this boot */
		if (ws_init(&p->ws, &t->ws_storage[(uint64_t)i * t->ws_cap],
			    t->ws_cap, part_ws_limit(t, a->tier)))
			return -ENG_EINVAL;
		*id = (uint16_t)i;
		return 0;
	}
	return -ENG_ENOSPC;
}

struct partition *part_get(const struct part_table *t, uint16_t id)
{
	if (!t || id >= t->cap || !t->p[id].used)
		return NULL;
	return &t->p[id];
}

int part_destroy(struct part_table *t, uint16_t id)
{
	struct partition *p = part_get(t, id);

	if (!p)
		return -ENG_ENOENT;
	memset(p, 0, sizeof(*p));
	return 0;
}
