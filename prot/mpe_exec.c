/*
 * prot/mpe_exec.c - executor of MPE actions (prot/mpe_exec.h).
 */
#include "prot/mpe_exec.h"

static const struct aem_page_key *part_key(struct mpe_exec *x,
					   const struct partition *p,
					   uint32_t epoch)
{
	const struct aem_page_key *k = aem_key_get(x->aem, p->key_id, epoch);

	if (!k && epoch == p->key_epoch &&
	    aem_key_open(x->aem, p->key_id, epoch) == 0)
		k = aem_key_get(x->aem, p->key_id, epoch);
	return k;
}

/* Decrypt one encrypted frame in place with the key of its generation. */
static int frame_decrypt(struct mpe_exec *x, const struct partition *p,
			 gfn_t g, struct fmeta *f, void *buf)
{
	uint32_t epoch = fmeta_gen(f) == (p->key_epoch & 1u) ? p->key_epoch
							    : p->key_epoch - 1;
	const struct aem_page_key *k = part_key(x, p, epoch);
	int rc;

	if (!k)
		return -ENG_ENOENT;
	if (p->cipher == PART_CIPHER_GCM)
		rc = aem_gcm_decrypt_frame(k, g, fmeta_ctr(f), buf, f->tag);
	else
		rc = aem_xts_decrypt_frame(k, g, buf);
	if (rc)
		return rc;
	fmeta_set_state(f, false, 0);
	x->frames_decrypted++;
	return 0;
}

/*
 * A GCM frame used up its counter under the current key: (key, frame,
 * counter) is the nonce and must never repeat, so the partition moves to a
 * new epoch (a fresh key) and the frame's counter starts again.  A rotation
 * still in flight is finished first (its stale frames re-encrypted, the old
 * key retired), since a slot holds two epochs at most.  0, or the error
 * that kept the rotation from happening (-ENG_ERANGE: another frame ran
 * out while finishing the previous rotation).
 */
static int rekey_for_counter(struct mpe_exec *x, struct partition *p)
{
	int64_t left;

	if (x->rekeying)	/* a frame ran out while finishing a rotation */
		return -ENG_ERANGE;
	x->rekeying = true;
	left = mpe_exec_sweep(x, p->id, UINT32_MAX);
	x->rekeying = false;
	if (left < 0)
		return (int)left;
	if (left > 0)
		return -ENG_ERANGE;
	return mpe_exec_rotate(x, p->id);
}

static int frame_encrypt(struct mpe_exec *x, const struct partition *p,
			 gfn_t g, struct fmeta *f, void *buf)
{
	const struct aem_page_key *k = part_key(x, p, p->key_epoch);
	int64_t ctr;
	int rc;

	if (!k)
		return -ENG_ENOENT;
	if (p->cipher == PART_CIPHER_GCM) {
		ctr = fmeta_next_ctr(f);
		if (ctr == -ENG_ERANGE) {
			rc = rekey_for_counter(x, part_get(&x->m->parts, p->id));
			k = rc ? NULL : part_key(x, p, p->key_epoch);
			if (!k)
				return rc ? rc : -ENG_ENOENT;
			fmeta_reset_ctr(f);
			ctr = fmeta_next_ctr(f);
		}
		if (ctr < 0)
			return (int)ctr;
		rc = aem_gcm_encrypt_frame(k, g, (uint32_t)ctr, buf, f->tag);
	} else {
		rc = aem_xts_encrypt_frame(k, g, buf);
	}
	if (rc)
		return rc;
	fmeta_set_state(f, true, p->key_epoch);
	x->frames_encrypted++;
	return 0;
}

static int crypt_one(struct mpe_exec *x, const struct mpe_action *a,
		     struct partition *p, gfn_t g)
{
	struct fmeta *f = fmeta_get(&x->m->fm, g);
	void *buf;
	int rc = 0;

	if (!f)		/* never protected: clear */
		return a->type == MPE_ACT_DECRYPT ? 0 : -ENG_ENOENT;
	bool enc = fmeta_encrypted(f);
	bool cur = enc && fmeta_gen(f) == (p->key_epoch & 1u);
	if ((a->type == MPE_ACT_DECRYPT && !enc) ||
	    (a->type == MPE_ACT_ENCRYPT && cur))
		return 0;
	buf = x->ops.frame(x->ops.ctx, g);
	if (!buf)
		return -ENG_EINVAL;
	if (enc)
		rc = frame_decrypt(x, p, g, f, buf);
	if (!rc && a->type == MPE_ACT_ENCRYPT) {
		rc = frame_encrypt(x, p, g, f, buf);
		p->cnt.encrypts++;
	} else if (!rc) {
		p->cnt.decrypts++;
	}
	return rc;
}

static int run_crypto(struct mpe_exec *x, const struct mpe_action *a)
{
	struct partition *p = part_get(&x->m->parts, a->part);
	int rc = 0;

	if (!p)
		return -ENG_ENOENT;
	for (uint64_t g = a->gfn; g < a->gfn + a->nframes && !rc; g++) {
		rc = crypt_one(x, a, p, mk_gfn(g));
		if (rc == -ENG_EBADMSG) {
			struct mpe_action r = *a;
			mpe_decrypt_failed(x->m, a->part, mk_gfn(g));
			r.type = MPE_ACT_RAISE;
			r.code = MPE_RAISE_INTEGRITY;
			r.gfn = g;
			r.nframes = 1;
			if (x->ops.raise)
				x->ops.raise(x->ops.ctx, &r);
		}
	}
	return rc;
}

/* Actions that only ever raise protection: after an error the rest of
 * the list still runs these, and skips the others (MAP, DECRYPT, MERGE,
 * MOVE), so a partition ends at least as protected as before. */
static bool protective(uint32_t type)
{
	return type == MPE_ACT_UNMAP || type == MPE_ACT_ENCRYPT ||
	       type == MPE_ACT_RAISE || type == MPE_ACT_DROP ||
	       type == MPE_ACT_SPLIT;
}

/* An ENCRYPT that failed leaves no plaintext behind: every frame of the
 * action still clear is wiped and reported (MPE_RAISE_WIPED). */
static void wipe_clear_frames(struct mpe_exec *x, const struct mpe_action *a)
{
	for (uint64_t g = a->gfn; g < a->gfn + a->nframes; g++) {
		struct fmeta *f = fmeta_get(&x->m->fm, mk_gfn(g));
		uint8_t *buf;

		if (!f || fmeta_encrypted(f))
			continue;
		buf = x->ops.frame(x->ops.ctx, mk_gfn(g));
		if (buf)
			for (uint32_t i = 0; i < FRAME_SIZE; i++)
				buf[i] = 0;
		if (x->ops.raise) {
			struct mpe_action r = *a;

			r.type = MPE_ACT_RAISE;
			r.code = MPE_RAISE_WIPED;
			r.gfn = g;
			r.nframes = 1;
			x->ops.raise(x->ops.ctx, &r);
		}
	}
}

static int run_one(struct mpe_exec *x, const struct mpe_action *a);

int mpe_exec_run(struct mpe_exec *x, const struct mpe_action *a, uint32_t n)
{
	int first = 0;

	for (uint32_t i = 0; i < n; i++) {
		int rc;

		if (first && !protective(a[i].type))
			continue;
		rc = run_one(x, &a[i]);
		if (rc && a[i].type == MPE_ACT_ENCRYPT)
			wipe_clear_frames(x, &a[i]);
		if (rc && !first)
			first = rc;
	}
	return first;
}

static int run_one(struct mpe_exec *x, const struct mpe_action *a)
{
	int rc = 0;

	{
		switch (a->type) {
		case MPE_ACT_DECRYPT:
		case MPE_ACT_ENCRYPT:
			rc = run_crypto(x, a);
			break;
		case MPE_ACT_RAISE:
			if (x->ops.raise)
				x->ops.raise(x->ops.ctx, a);
			break;
		case MPE_ACT_DROP: {
			const struct partition *p = part_get(&x->m->parts,
							     a->part);
			uint32_t key = p ? p->key_id : 0;

			if (p && mpe_part_drop(x->m, a->part) == 0 &&
			    aem_key_close(x->aem, key) == -ENG_EINVAL)
				rc = -ENG_EINVAL;	/* -ENOENT: had no key */
			break;
		}
		default:
			if (x->ops.map)
				rc = x->ops.map(x->ops.ctx, a);
		}
	}
	return rc;
}

int mpe_exec_event(struct mpe_exec *x, const struct mpe_event *ev)
{
	struct mpe_action a[MPE_EXEC_LIST];
	uint32_t n = 0;
	int rc = mpe_handle(x->m, ev, a, MPE_EXEC_LIST, &n);
	int rc2 = mpe_exec_run(x, a, n);	/* what was decided stands */

	return rc ? rc : rc2;
}

int mpe_exec_rotate(struct mpe_exec *x, uint16_t part)
{
	struct partition *p = part_get(&x->m->parts, part);
	int rc;

	if (!p)
		return -ENG_ENOENT;
	if (!part_key(x, p, p->key_epoch))
		return -ENG_ENOENT;
	rc = aem_key_rotate(x->aem, p->key_id, NULL);
	if (rc)
		return rc;
	p->key_epoch++;
	return 0;
}

int64_t mpe_exec_sweep(struct mpe_exec *x, uint16_t part, uint32_t budget)
{
	gfn_t g[16];
	uint64_t cursor = 0;
	uint32_t n;

	while (budget) {
		n = mpe_stale_frames(x->m, part, g,
				     budget < 16 ? budget : 16, &cursor);
		for (uint32_t i = 0; i < n; i++) {
			struct mpe_action a = { .type = MPE_ACT_ENCRYPT,
				.part = part, .gfn = g[i].v, .nframes = 1 };
			int rc = run_crypto(x, &a);
			if (rc)
				return rc;
		}
		budget -= n;
		if (n == 0 || cursor == UINT64_MAX)
			break;
	}
	cursor = 0;
	n = mpe_stale_frames(x->m, part, g, 16, &cursor);
	if (n == 0) {
		struct partition *p = part_get(&x->m->parts, part);
		if (p && aem_key_retire(x->aem, p->key_id) == -ENG_EINVAL)
			return -ENG_EINVAL;	/* -ENOENT: nothing to retire */
		return 0;
	}
	return cursor == UINT64_MAX ? n : n + 1;	/* at least this many */
}

int mpe_exec_tag_ok(struct mpe_exec *x, uint16_t part, gfn_t gfn,
		    void *scratch)
{
	const struct partition *p = part_get(&x->m->parts, part);
	struct fmeta *f = fmeta_get(&x->m->fm, gfn);
	const struct aem_page_key *k;
	uint8_t *src, *dst = scratch;
	uint32_t epoch;
	int rc;

	if (!p || p->cipher != PART_CIPHER_GCM || !fmeta_encrypted(f))
		return -ENG_EINVAL;
	epoch = fmeta_gen(f) == (p->key_epoch & 1u) ? p->key_epoch
						    : p->key_epoch - 1;
	k = part_key(x, p, epoch);
	src = x->ops.frame(x->ops.ctx, gfn);
	if (!k || !src)
		return -ENG_ENOENT;
	for (uint32_t i = 0; i < FRAME_SIZE; i++)
		dst[i] = src[i];
	rc = aem_gcm_decrypt_frame(k, gfn, fmeta_ctr(f), dst, f->tag);
	for (uint32_t i = 0; i < FRAME_SIZE; i++)
		dst[i] = 0;
	if (rc == -ENG_EBADMSG)
		return 0;
	return rc ? rc : 1;
}
