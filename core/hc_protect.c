/*
 * core/hc_protect.c - the protected-memory hypercalls (ABI and error codes
 * in include/shroud/abi.h).  Every argument is checked before anything
 * changes; a refused call leaves no trace.  Guest pointers are virtual
 * addresses of the caller, translated through its own page tables.
 */
#include "core/protect.h"
#include "core/gmem.h"
#include "core/lib.h"
#include "core/log.h"
#include "core/prot_state.h"
#include "mm/frame.h"
#include "mm/gpt_walk.h"

#define USER_TOP_4L	0x0000800000000000ull
#define USER_TOP_5L	0x0100000000000000ull

static uint64_t page_gfn[PROT_PAGES_MAX];	/* PROTECT scratch */
static uint32_t log_budget = 256;	/* guest-triggered log lines */
static uint64_t page_sorted[PROT_PAGES_MAX];

static struct gpt_walk caller_walk(const struct vcpu *v)
{
	struct gpt_walk w = { 0, 0, 0, 0, gmem_read, 0 };

	v->ops->guest_paging(v, &w.cr0, &w.cr3, &w.cr4, &w.efer);
	return w;
}

static uint64_t caller_owner(const struct vcpu *v)
{
	return caller_walk(v).cr3 & PART_OWNER_MASK;
}

static struct prot_part *part_of(uint64_t id)
{
	if (id == 0 || id > PROT_PART_SLOTS || !prot.part[id - 1].used)
		return NULL;
	return &prot.part[id - 1];
}

/* ---- PROTECT --------------------------------------------------------- */

static int64_t check_protect_args(const struct gpt_walk *w, uint64_t gva,
				  uint64_t len, uint64_t sens, uint64_t flags)
{
	uint64_t top = (w->cr4 & (1ull << 12)) ? USER_TOP_5L : USER_TOP_4L;

	if ((gva | len) & 0xfff || !len || sens > SHROUD_SENS_SECRET ||
	    (flags & ~(uint64_t)SHROUD_PF_VALID) ||
	    (flags & SHROUD_POLICY_MASK) > SHROUD_POLICY_OWNER_USER ||
	    ((flags & SHROUD_PF_WS_MASK) >> SHROUD_PF_WS_SHIFT) > SHROUD_WS_MAX)
		return -SHROUD_EINVAL;
	if (len > SHROUD_PROTECT_MAX_LEN)
		return -SHROUD_E2BIG;
	if (gva >= top || len > top - gva)
		return -SHROUD_EACCES;
	return 0;
}

/* Translate every page; the frame must be a user-writable page of guest
 * RAM in no partition yet. */
static int64_t collect_frames(const struct gpt_walk *w, uint64_t gva,
			      uint64_t pages)
{
	uint64_t i;

	for (i = 0; i < pages; i++) {
		struct gpt_result r;
		int rc = gpt_translate(w, gva + (i << 12), &r);

		if (rc == GPT_EINVAL)
			return -SHROUD_EACCES;
		if (rc)
			return -SHROUD_EFAULT;
		if (!r.user || !r.writable)
			return -SHROUD_EACCES;
		if (!gmem_is_ram(r.gpa & ~0xfffull, 4096))
			return -SHROUD_EFAULT;
		page_gfn[i] = r.gpa >> 12;
		if (part_map_lookup(&prot.mpe.map, mk_gfn(page_gfn[i])))
			return -SHROUD_EBUSY;
	}
	return 0;
}

static void sift_down(uint64_t *a, uint64_t root, uint64_t n)
{
	while (2 * root + 1 < n) {
		uint64_t c = 2 * root + 1, t;

		if (c + 1 < n && a[c + 1] > a[c])
			c++;
		if (a[root] >= a[c])
			return;
		t = a[root];
		a[root] = a[c];
		a[c] = t;
		root = c;
	}
}

/* A frame mapped at two pages of the range would be encrypted twice. */
static int has_duplicates(uint64_t pages)
{
	uint64_t i, t;

	memcpy(page_sorted, page_gfn, pages * 8);
	for (i = pages / 2; i-- > 0;)
		sift_down(page_sorted, i, pages);
	for (i = pages; i-- > 1;) {
		t = page_sorted[0];
		page_sorted[0] = page_sorted[i];
		page_sorted[i] = t;
		sift_down(page_sorted, 0, i);
	}
	for (i = 1; i < pages; i++)
		if (page_sorted[i] == page_sorted[i - 1])
			return 1;
	return 0;
}

/* Release frames [0, pages) of @id (back to ordinary memory, decrypted). */
static int release_frames(uint16_t id, const uint64_t *gfns, uint64_t pages)
{
	uint64_t i;
	int rc, bad = 0;

	for (i = 0; i < pages; i++) {
		struct mpe_event ev = { 0 };

		if (gfns[i] == GFN_LOST)
			continue;
		ev.type = MPE_EV_DECLASSIFY;
		ev.gpa = mk_gpa(gfns[i] << 12);
		ev.nframes = 1;
		ev.join = (uint32_t)id + 1;
		rc = prot_run(&ev);
		if (rc == -ENG_EBADMSG) {
			/* Never hand back altered bytes.  The frame has already
			 * left the partition (C2 runs before the decrypt): wipe
			 * it; its next access maps it as ordinary memory. */
			memset(hpa_ptr(gfns[i] << 12), 0, 4096);
			rc = 0;
			bad = 1;
		}
		if (rc && rc != -ENG_ENOENT)
			return rc;
	}
	if (!part_map_frames_of(&prot.mpe.map, id))
		prot_forget(id);
	return bad ? -ENG_EBADMSG : 0;
}

/* One CLASSIFY per run of consecutive frames, all joining one partition. */
static int64_t classify_runs(struct mpe_event *ev, uint64_t pages,
			     uint16_t *id)
{
	uint64_t i = 0;
	int rc;

	*id = PART_ID_NONE;
	while (i < pages) {
		uint64_t n = 1;

		while (i + n < pages && page_gfn[i + n] == page_gfn[i] + n)
			n++;
		ev->gpa = mk_gpa(page_gfn[i] << 12);
		ev->nframes = n;
		ev->join = *id == PART_ID_NONE ? 0 : (uint32_t)*id + 1;
		rc = prot_run(ev);
		if (!rc && *id == PART_ID_NONE)
			*id = part_map_lookup(&prot.mpe.map,
					      mk_gfn(page_gfn[i]))->part_id;
		if (rc) {
			if (*id != PART_ID_NONE)
				(void)release_frames(*id, page_gfn, i);
			if (log_ratelimit(&log_budget))
				log_warn("prot", "PROTECT refused: engine error %d", rc);
			return rc == -ENG_ENOSPC ? -SHROUD_ENOSPC : -SHROUD_EINVAL;
		}
		i += n;
	}
	return 0;
}

int64_t prot_hc_protect(struct vcpu *v, struct hc_regs *r)
{
	struct gpt_walk w = caller_walk(v);
	uint64_t gva = r->rbx, len = r->rcx, pages = len >> 12;
	struct mpe_event ev = { 0 };
	struct prot_part *p;
	uint16_t id;
	int64_t rc;

	if (!prot.enabled)
		return -SHROUD_ENODEV;
	rc = check_protect_args(&w, gva, len, r->rdx, r->rsi);
	rc = rc ? rc : collect_frames(&w, gva, pages);
	if (!rc && has_duplicates(pages))
		rc = -SHROUD_EBUSY;
	if (rc)
		return rc;
	ev.type = MPE_EV_CLASSIFY;
	ev.attr.profile = PART_PROF_DATA;
	ev.attr.sens = (uint8_t)r->rdx;
	ev.attr.access = (uint8_t)(r->rsi & SHROUD_POLICY_MASK);
	ev.attr.cipher = (r->rsi & SHROUD_PF_INTEGRITY) ? PART_CIPHER_GCM :
							    PART_CIPHER_XTS;
	ev.attr.owner = w.cr3 & PART_OWNER_MASK;
	rc = classify_runs(&ev, pages, &id);
	if (rc)
		return rc;
	if (r->rsi & SHROUD_PF_WS_MASK) {	/* nothing is clear yet */
		uint64_t none[PROT_WS_CAP];

		(void)ws_set_limit(&part_get(&prot.mpe.parts, id)->ws,
				   (uint32_t)((r->rsi & SHROUD_PF_WS_MASK) >>
					      SHROUD_PF_WS_SHIFT), none);
	}
	p = &prot.part[id];
	p->gva = gva;
	p->len = len;
	p->owner = ev.attr.owner;
	p->sens = (uint8_t)r->rdx;
	p->policy = (uint8_t)(r->rsi & SHROUD_POLICY_MASK);
	p->integrity = !!(r->rsi & SHROUD_PF_INTEGRITY);
	memcpy(p->gfns, page_gfn, pages * 8);
	p->used = 1;
	prot_update_intercepts();
	if (log_ratelimit(&log_budget))
		log_info("prot", "partition %u: %llu pages at gva 0x%llx, sens %u, "
		 "policy %u, %s", id + 1u, (unsigned long long)pages,
		 (unsigned long long)gva, p->sens, p->policy,
		 p->integrity ? "AES-256-GCM" : "AES-256-XTS");
	return (int64_t)id + 1;
}

/* ---- REMAP detection ------------------------------------------------- */

/*
 * The owner's page tables must still map each page to the frame it had at
 * PROTECT time.  A kernel that moved the page (migration, compaction, COW,
 * swap) left the protected frame behind: report it once per page, never
 * follow it (the new frame holds whatever the kernel copied: ciphertext).
 */
static void verify_mappings(const struct vcpu *v, uint16_t id)
{
	struct prot_part *p = &prot.part[id];
	struct gpt_walk w = caller_walk(v);
	uint64_t i, pages = p->len >> 12;

	if ((w.cr3 & PART_OWNER_MASK) != p->owner)
		return;
	for (i = 0; i < pages; i++) {
		struct gpt_result r;

		if (p->gfns[i] == GFN_LOST ||
		    gpt_translate(&w, p->gva + (i << 12), &r) ||
		    (r.gpa >> 12) == p->gfns[i])
			continue;
		prot.st.remaps++;
		prot_event(SHROUD_EV_REMAP, id, p->gva + (i << 12), r.gpa);
		/* The kernel may reuse the frame it left: wipe and release it. */
		prot_drop_frame(id, i);
	}
}

/* ---- UNPROTECT, QUERY, LIST ------------------------------------------ */

/* Calls taking one partition id in RBX, the other arguments zero. */
static int64_t id_call(const struct hc_regs *r, struct prot_part **p)
{
	if (!prot.enabled)
		return -SHROUD_ENODEV;
	if (r->rcx || r->rdx || r->rsi)
		return -SHROUD_EINVAL;
	*p = part_of(r->rbx);
	return *p ? 0 : -SHROUD_ENOENT;
}

int64_t prot_hc_unprotect(struct vcpu *v, struct hc_regs *r)
{
	struct prot_part *p;
	int64_t err = id_call(r, &p);
	uint16_t id;
	int rc;

	if (err)
		return err;
	if (p->owner != caller_owner(v))
		return -SHROUD_EPERM;
	id = (uint16_t)(r->rbx - 1);
	verify_mappings(v, id);
	rc = release_frames(id, p->gfns, p->len >> 12);
	p->used = 0;
	prot_forget(id);
	prot_update_intercepts();
	if (log_ratelimit(&log_budget))
		log_info("prot", "partition %u released%s", id + 1u,
		 rc == -ENG_EBADMSG ? " (integrity failures: frames zeroed)" : "");
	if (rc == -ENG_EBADMSG)
		return -SHROUD_EIO;
	return rc ? -SHROUD_EINVAL : 0;
}

int64_t prot_hc_query(struct vcpu *v, struct hc_regs *r)
{
	struct prot_part *p;
	const struct partition *mp;
	int64_t err = id_call(r, &p);

	if (err)
		return err;
	mp = part_get(&prot.mpe.parts, (uint16_t)(r->rbx - 1));
	verify_mappings(v, (uint16_t)(r->rbx - 1));
	r->rbx = p->gva;
	r->rcx = p->len;
	r->rdx = p->sens | ((uint64_t)p->policy << 8) |
		 ((uint64_t)mp->tier << 16) |
		 ((uint64_t)(p->owner == caller_owner(v)) << 24) |
		 ((uint64_t)p->integrity << 25);
	r->rsi = mp->ws.n;
	return 0;
}

int64_t prot_hc_list(struct vcpu *v, struct hc_regs *r)
{
	uint64_t id;

	(void)v;
	if (!prot.enabled)
		return -SHROUD_ENODEV;
	if (r->rcx || r->rdx || r->rsi)
		return -SHROUD_EINVAL;
	for (id = r->rbx + 1; id >= 1 && id <= PROT_PART_SLOTS; id++)
		if (part_of(id))
			return (int64_t)id;
	return -SHROUD_ENOENT;
}

/* ---- STATS, EVENTS: results written into the caller's memory --------- */

/* Copy to the caller's GVA: user-writable pages of RAM (when the caller
 * runs at CPL 3), never a protected frame. */
static int64_t copy_to_caller(const struct vcpu *v, uint64_t gva,
			      const void *src, uint64_t len)
{
	struct gpt_walk w = caller_walk(v);
	int user = v->ops->guest_cpl(v) == 3;
	const uint8_t *s = src;

	while (len) {
		uint64_t chunk = 4096 - (gva & 0xfff);
		struct gpt_result r;

		if (chunk > len)
			chunk = len;
		if (gpt_translate(&w, gva, &r) || !r.writable ||
		    (user && !r.user) || !gmem_is_ram(r.gpa, chunk) ||
		    part_map_lookup(&prot.mpe.map, mk_gfn(r.gpa >> 12)))
			return -SHROUD_EFAULT;
		memcpy(hpa_ptr(r.gpa), s, chunk);
		gva += chunk;
		s += chunk;
		len -= chunk;
	}
	return 0;
}

static void fill_stats(struct shroud_stats *s)
{
	unsigned i;

	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	for (i = 0; i < PROT_PART_SLOTS; i++) {
		const struct partition *mp = part_get(&prot.mpe.parts, (uint16_t)i);

		if (!mp)
			continue;
		s->evictions += mp->cnt.evictions;
		s->clear_frames += mp->ws.n;
		if (prot.part[i].used) {
			s->partitions++;
			s->protected_frames +=
				part_map_frames_of(&prot.mpe.map, (uint16_t)i);
		}
	}
	s->evictions += prot.st.evictions_gone;
	s->faults = prot.st.faults;
	s->decryptions = prot.exec.frames_decrypted;
	s->encryptions = prot.exec.frames_encrypted;
	s->denials = prot.st.denials;
	s->tamper = prot.st.tamper;
	s->anomalies = prot.st.anomalies;
	s->remaps = prot.st.remaps;
}

int64_t prot_hc_stats(struct vcpu *v, struct hc_regs *r)
{
	struct shroud_stats s;
	uint64_t n = r->rcx < sizeof(s) ? r->rcx : sizeof(s);
	unsigned i;
	int64_t rc;

	if (!prot.enabled)
		return -SHROUD_ENODEV;
	if (r->rcx < 8 || r->rdx || r->rsi)
		return -SHROUD_EINVAL;
	for (i = 0; i < PROT_PART_SLOTS; i++)
		if (prot.part[i].used)
			verify_mappings(v, (uint16_t)i);
	fill_stats(&s);
	s.size = (uint32_t)n;
	rc = copy_to_caller(v, r->rbx, &s, n);
	return rc ? rc : (int64_t)n;
}

/* Remove event @k of the ring, keeping the order of the others. */
static void ring_remove(uint32_t k)
{
	uint32_t j;

	for (j = k; j + 1 < prot.ev_n; j++)
		prot.ev[(prot.ev_head + j) % PROT_EVENTS] =
			prot.ev[(prot.ev_head + j + 1) % PROT_EVENTS];
	prot.ev_n--;
}

int64_t prot_hc_events(struct vcpu *v, struct hc_regs *r)
{
	uint64_t owner = caller_owner(v), gva = r->rbx, cap = r->rcx, n = 0;
	int all = v->ops->guest_cpl(v) == 0, clear = r->rdx & SHROUD_EVF_CLEAR;
	uint32_t k = 0;

	if (!prot.enabled)
		return -SHROUD_ENODEV;
	if (!cap || cap > 256 || (r->rdx & ~(uint64_t)SHROUD_EVF_CLEAR) || r->rsi)
		return -SHROUD_EINVAL;
	while (k < prot.ev_n && n < cap) {
		const struct prot_event_rec *e =
			&prot.ev[(prot.ev_head + k) % PROT_EVENTS];

		if (!all && e->owner != owner) {
			k++;
			continue;
		}
		if (copy_to_caller(v, gva + n * sizeof(e->ev), &e->ev,
				   sizeof(e->ev)))
			return n ? (int64_t)n : -SHROUD_EFAULT;
		n++;
		if (clear)
			ring_remove(k);
		else
			k++;
	}
	return (int64_t)n;
}
