/*
 * crypto/aem_keys.c - the AEM key hierarchy (crypto/aem.h): HKDF-SHA256
 * derivation through mbedTLS, per-partition key slots, rotation and
 * zeroization.
 */
#include <string.h>

#include "aem.h"
#include "aes_reg.h"
#include "mbedtls/hkdf.h"
#include "mbedtls/md.h"
#include "mbedtls/platform_util.h"

/* The common part of both modes: nonce and slots, the slots emptied. */
static void aem_start(struct aem *a, const uint8_t *nonce, size_t nonce_len,
		      struct aem_key_slot *slots, uint32_t nslots)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->nonce, nonce, nonce_len);
	a->nonce_len = nonce_len;
	a->slots = slots;
	a->nslots = nslots;
	memset(slots, 0, sizeof(*slots) * nslots);
	a->live = 1;
}

int aem_init(struct aem *a, const uint8_t master[AEM_MASTER_BYTES],
	     const uint8_t *nonce, size_t nonce_len,
	     struct aem_key_slot *slots, uint32_t nslots)
{
	if (!a || !master || !nonce || nonce_len == 0 ||
	    nonce_len > AEM_NONCE_MAX || (nslots && !slots))
		return -ENG_EINVAL;
	aem_start(a, nonce, nonce_len, slots, nslots);
	memcpy(a->master, master, AEM_MASTER_BYTES);
	return 0;
}

int aem_init_regs(struct aem *a, const uint8_t *nonce, size_t nonce_len,
		  struct aem_key_slot *slots, uint32_t nslots)
{
	if (!a || !nonce || nonce_len < 8 || nonce_len > AEM_NONCE_MAX ||
	    (nslots && !slots) || aem_cipher_backend() != AEM_BACKEND_REGKEY)
		return -ENG_EINVAL;
	aem_start(a, nonce, nonce_len, slots, nslots);
	a->regkeys = 1;
	return 0;
}

static void slot_wipe(struct aem_key_slot *s)
{
	aem_page_key_wipe(&s->key[0]);
	aem_page_key_wipe(&s->key[1]);
	mbedtls_platform_zeroize(s, sizeof(*s));
}

void aem_fini(struct aem *a)
{
	if (!a)
		return;
	for (uint32_t i = 0; i < a->nslots; i++)
		slot_wipe(&a->slots[i]);
	mbedtls_platform_zeroize(a, sizeof(*a));
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The register KDF's fixed inputs (crypto/aes_reg.h): one layout, the
 * key hierarchy's, beside the HKDF info of the memory mode. */
void aesreg_ctx_init(struct aesreg_ctx *c, const char label[AESREG_LABEL_BYTES],
		     uint32_t part_id, uint32_t epoch, const uint8_t nonce8[8],
		     uint32_t out_bits)
{
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < 2; i++) {
		uint8_t *m = c->kdf_in[i];

		m[0] = (uint8_t)(i + 1);
		memcpy(m + 1, label, AESREG_LABEL_BYTES);
		m[11] = 0;
		put_be32(m + 12, part_id);
		put_be32(m + 16, epoch);
		memcpy(m + 20, nonce8, 8);
		put_be32(m + 28, out_bits);
	}
}

int aem_derive_partition_key(const struct aem *a, uint32_t part_id,
			     uint32_t epoch, uint8_t out[AEM_KEY_BYTES])
{
	const size_t lab = sizeof(AEM_INFO_LABEL) - 1;
	uint8_t info[sizeof(AEM_INFO_LABEL) - 1 + 8];
	const mbedtls_md_info_t *md;

	if (!a || !a->live || !out)
		return -ENG_EINVAL;
	if (a->regkeys)
		return -ENG_ENOTSUP;	/* the key exists only inside a call */
	memcpy(info, AEM_INFO_LABEL, lab);
	put_be32(info + lab, part_id);
	put_be32(info + lab + 4, epoch);
	md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	if (!md || mbedtls_hkdf(md, a->nonce, a->nonce_len, a->master,
				AEM_MASTER_BYTES, info, sizeof(info), out,
				AEM_KEY_BYTES))
		return -ENG_EINVAL;
	return 0;
}

static struct aem_key_slot *slot_find(const struct aem *a, uint32_t part_id)
{
	if (!a || !a->live)
		return NULL;
	for (uint32_t i = 0; i < a->nslots; i++)
		if (a->slots[i].used && a->slots[i].part_id == part_id)
			return &a->slots[i];
	return NULL;
}

static int key_make(const struct aem *a, uint32_t part_id, uint32_t epoch,
		    struct aem_page_key *k)
{
	uint8_t m[AEM_KEY_BYTES];
	int rc;

	if (a->regkeys) {
		struct aesreg_ctx xts, gcm;

		aesreg_ctx_init(&xts, AESREG_LABEL_XTS, part_id, epoch,
				a->nonce, 256);
		aesreg_ctx_init(&gcm, AESREG_LABEL_GCM, part_id, epoch,
				a->nonce, 128);
		return aem_page_key_setup_reg(k, &xts, &gcm);
	}
	rc = aem_derive_partition_key(a, part_id, epoch, m);
	if (!rc)
		rc = aem_page_key_setup(k, m);
	mbedtls_platform_zeroize(m, sizeof(m));
	return rc;
}

int aem_key_open(struct aem *a, uint32_t part_id, uint32_t epoch)
{
	struct aem_key_slot *s = NULL;
	int rc;

	if (!a || !a->live)
		return -ENG_EINVAL;
	if (slot_find(a, part_id))
		return -ENG_EBUSY;
	for (uint32_t i = 0; i < a->nslots && !s; i++)
		if (!a->slots[i].used)
			s = &a->slots[i];
	if (!s)
		return -ENG_ENOSPC;
	rc = key_make(a, part_id, epoch, &s->key[0]);
	if (rc) {
		slot_wipe(s);
		return rc;
	}
	s->part_id = part_id;
	s->epoch = epoch;
	s->cur = 0;
	s->used = 1;
	return 0;
}

const struct aem_page_key *aem_key_get(const struct aem *a, uint32_t part_id,
				       uint32_t epoch)
{
	const struct aem_key_slot *s = slot_find(a, part_id);

	if (!s)
		return NULL;
	if (s->epoch == epoch)
		return &s->key[s->cur];
	if (s->has_prev && s->epoch - 1 == epoch)
		return &s->key[s->cur ^ 1];
	return NULL;
}

int64_t aem_key_epoch(const struct aem *a, uint32_t part_id)
{
	const struct aem_key_slot *s = slot_find(a, part_id);

	return s ? (int64_t)s->epoch : -ENG_ENOENT;
}

int aem_key_rotate(struct aem *a, uint32_t part_id, uint32_t *new_epoch)
{
	struct aem_key_slot *s = slot_find(a, part_id);
	int rc;

	if (!s)
		return -ENG_ENOENT;
	if (s->has_prev)
		return -ENG_EBUSY;
	if (s->epoch == UINT32_MAX)
		return -ENG_ERANGE;
	rc = key_make(a, part_id, s->epoch + 1, &s->key[s->cur ^ 1]);
	if (rc) {
		aem_page_key_wipe(&s->key[s->cur ^ 1]);
		return rc;
	}
	s->cur ^= 1;
	s->has_prev = 1;
	s->epoch++;
	if (new_epoch)
		*new_epoch = s->epoch;
	return 0;
}

int aem_key_retire(struct aem *a, uint32_t part_id)
{
	struct aem_key_slot *s = slot_find(a, part_id);

	if (!s || !s->has_prev)
		return -ENG_ENOENT;
	aem_page_key_wipe(&s->key[s->cur ^ 1]);
	s->has_prev = 0;
	return 0;
}

int aem_key_close(struct aem *a, uint32_t part_id)
{
	struct aem_key_slot *s = slot_find(a, part_id);

	if (!s)
		return -ENG_ENOENT;
	slot_wipe(s);
	return 0;
}
