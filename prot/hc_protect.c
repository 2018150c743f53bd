/*
 * prot/hc_protect.c - the protected-memory hypercalls (ABI and error codes
 * in include/shroud/abi.h).  Every argument is checked before anything
 * changes; a refused call leaves no trace.  Guest pointers are virtual
 * addresses of the caller, translated through its own page tables.
 */
#include "prot/hc_protect.h"
#include "base/lib.h"
#include "base/log.h"
#include "mm/gmem.h"
#include "mm/gpt_walk.h"
#include "prot/klock.h"
#include "prot/prot_state.h"

#define USER_TOP_4L	0x0000800000000000ull
#define USER_TOP_5L	0x0100000000000000ull

static uint32_t log_budget = 256;	/* guest-triggered log lines */

static struct gpt_walk caller_walk(const struct prot_view *pv)
{
	struct gpt_walk w = { pv->cr0, pv->cr3, pv->cr4, pv->efer,
			      gmem_read, 0 };

	return w;
}

static uint64_t caller_owner(const struct prot_view *pv)
{
	return prot_owner_id(pv->cr3);
}

/*
 * Is @root (the caller's page-table root, CR3 bit 12 set) the user half of
 * a PTI pair whose kernel half is at root - 4 KiB?  Linux sets every user
 * PGD entry in both tables, the kernel's copy with NX added
 * (__pti_set_user_pgtbl in arch/x86/mm/pti.c): the user halves of the two
 * tables (entries 0-255, 4- or 5-level) agree but for bit 63, and at
 * least one is present.  Two processes never share page tables that way,
 * so a root that passes is that process's twin; one that does not (a
 * kernel without PTI, a PGD entry changing at this instant) keeps its own
 * identity, as without PTI.
 */
static bool pti_twin_of(uint64_t root)
{
	const uint64_t *user, *kern;
	unsigned i, present = 0;

	if (!(root & PROT_PTI_USER_BIT))
		return false;
	user = gmem_ptr(mk_gpa(root), 4096);
	kern = gmem_ptr(mk_gpa(root & ~PROT_PTI_USER_BIT), 4096);
	if (!user || !kern)
		return false;
	for (i = 0; i < 256; i++) {
		if ((user[i] & ~(1ull << 63)) != (kern[i] & ~(1ull << 63)))
			return false;
		present += (unsigned)(user[i] & 1);
	}
	return present > 0;
}

/* Live guest partition @id (guest numbering), or NULL. */
static struct prot_part *part_of(uint64_t id)
{
	if (id == 0 || id > PROT_PART_SLOTS ||
	    !prot_mpe_part((uint16_t)(id - 1)))
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
static int64_t collect_frames(const struct gpt_walk *w, uint64_t *page_gfn,
			      uint64_t gva, uint64_t pages)
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
static int has_duplicates(const uint64_t *page_gfn, uint64_t *page_sorted,
			  uint64_t pages)
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

/*
 * Frames shared with another mapping of the caller.  PROTECT takes frames
 * that only the range maps: a frame the caller also maps at another GVA
 * (a second mmap of a memfd or file, a MAP_SHARED view of the same pages)
 * would be read and written there too, outside the owner's range.  So the
 * caller's whole user half is walked once and every leaf outside the range
 * is checked against the range's sorted frames.  What a walk of one
 * address space cannot see (the same frame in another process, the page
 * cache of a file) is not detected: README, "Current limits".
 */
#define SHARE_WALK_TABLES	16384u	/* 64 MiB of page tables, at most */

struct share_check {
	const uint64_t *sorted;		/* the range's frames, ascending */
	uint64_t pages, lo, hi;		/* [lo, hi): the range's GVAs */
};

/* Does some frame of the sorted range lie in [gfn, gfn + n)? */
static int hits_range(const struct share_check *k, uint64_t gfn, uint64_t n)
{
	uint64_t a = 0, b = k->pages;

	while (a < b) {			/* first index with sorted >= gfn */
		uint64_t m = a + (b - a) / 2;

		if (k->sorted[m] < gfn)
			a = m + 1;
		else
			b = m;
	}
	return a < k->pages && k->sorted[a] < gfn + n;
}

static int share_leaf(void *ctx, uint64_t gva, uint64_t gpa, uint64_t size)
{
	const struct share_check *k = ctx;

	if (gva >= k->lo && gva + size <= k->hi)
		return 0;		/* the range itself */
	if (gva < k->hi && gva + size > k->lo && size > 4096)
		return 0;		/* a large leaf over the range: not ours */
	return hits_range(k, gpa >> 12, size >> 12) ? -SHROUD_EBUSY : 0;
}

static int64_t shared_elsewhere(const struct gpt_walk *w,
				const uint64_t *sorted, uint64_t pages,
				uint64_t gva)
{
	struct share_check k = { sorted, pages, gva, gva + (pages << 12) };
	int rc = gpt_for_each_user_leaf(w, share_leaf, &k, SHARE_WALK_TABLES);

	if (rc == -SHROUD_EBUSY)
		return rc;
	if (rc && log_ratelimit(&log_budget))
		log_warn("prot", "PROTECT: address space not walked whole (%d): "
			 "other mappings of its frames not checked", rc);
	return 0;
}

/* Release frames [0, pages) of @id (back to ordinary memory, decrypted). */
static int release_frames(struct prot_cpu *c, uint16_t id,
			  const uint64_t *gfns, uint64_t pages)
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
		rc = prot_run(c, &ev);
		if (rc == -ENG_EBADMSG) {
			/* Never hand back altered bytes.  The frame has already
			 * left the partition (C2 runs before the decrypt): wipe
			 * it; its next access maps it as ordinary memory. */
			void *f = gmem_ptr(mk_gpa(gfns[i] << 12), FRAME_SIZE);

			if (f)
				memset(f, 0, FRAME_SIZE);
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
static int64_t classify_runs(struct prot_cpu *c, struct mpe_event *ev,
			     uint64_t pages, uint16_t *id)
{
	const uint64_t *page_gfn = c->page_gfn;
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
		rc = prot_run(c, ev);
		if (!rc && *id == PART_ID_NONE)
			*id = part_map_lookup(&prot.mpe.map,
					      mk_gfn(page_gfn[i]))->part_id;
		if (rc) {
			if (*id != PART_ID_NONE)
				(void)release_frames(c, *id, page_gfn, i);
			if (log_ratelimit(&log_budget))
				log_warn("prot", "PROTECT refused: engine error %d", rc);
			return rc == -ENG_ENOSPC ? -SHROUD_ENOSPC : -SHROUD_EINVAL;
		}
		i += n;
	}
	return 0;
}

/* Live partitions of address space @owner. */
static unsigned owner_partitions(uint64_t owner)
{
	unsigned i, n = 0;

	for (i = 0; i < PROT_PART_SLOTS; i++) {
		const struct partition *mp = prot_mpe_part((uint16_t)i);

		n += mp && mp->owner == owner;
	}
	return n;
}

int64_t prot_hc_protect(const struct prot_view *pv, struct hc_regs *r)
{
	struct prot_cpu *c = pv->cpu;
	struct gpt_walk w = caller_walk(pv);
	uint64_t gva = r->rbx, len = r->rcx, pages = len >> 12;
	struct mpe_event ev = { 0 };
	struct prot_part *p;
	uint64_t owner;
	uint16_t id;
	bool twin;
	int64_t rc;

	if (!prot.enabled)
		return -SHROUD_ENODEV;
	rc = check_protect_args(&w, gva, len, r->rdx, r->rsi);
	rc = rc ? rc : collect_frames(&w, c->page_gfn, gva, pages);
	if (!rc && has_duplicates(c->page_gfn, c->page_sorted, pages))
		rc = -SHROUD_EBUSY;
	/* page_sorted holds the range's frames in order now. */
	rc = rc ? rc : shared_elsewhere(&w, c->page_sorted, pages, gva);
	if (rc)
		return rc;
	owner = prot_owner_id(w.cr3);	/* a pair seen before, or the root */
	if (owner == (w.cr3 & PART_OWNER_MASK) && pti_twin_of(owner))
		owner &= ~PROT_PTI_USER_BIT;
	twin = owner != (w.cr3 & PART_OWNER_MASK);
	if (owner_partitions(owner) >= PROT_MAX_PER_OWNER)
		return -SHROUD_ENOSPC;	/* one process cannot take them all */
	ev.type = MPE_EV_CLASSIFY;
	ev.attr.profile = PART_PROF_DATA;
	ev.attr.sens = (uint8_t)r->rdx;
	ev.attr.access = (uint8_t)(r->rsi & SHROUD_POLICY_MASK);
	ev.attr.cipher = (r->rsi & SHROUD_PF_INTEGRITY) ? PART_CIPHER_GCM :
							    PART_CIPHER_XTS;
	ev.attr.owner = owner;
	rc = classify_runs(c, &ev, pages, &id);
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
	memcpy(p->gfns, c->page_gfn, pages * 8);
	p->pti_twin = twin;
	p->used = 1;
	prot_update_intercepts();
	if (log_ratelimit(&log_budget))
		log_info("prot", "partition %u: %llu pages at gva 0x%llx, sens %u, "
		 "policy %u, %s, owner 0x%llx%s", id + 1u,
		 (unsigned long long)pages, (unsigned long long)gva,
		 (unsigned)r->rdx, (unsigned)(r->rsi & SHROUD_POLICY_MASK),
		 ev.attr.cipher == PART_CIPHER_GCM ? "AES-256-GCM" :
		 "AES-256-XTS", (unsigned long long)owner,
		 twin ? " (with its PTI user twin)" : "");
	return (int64_t)id + 1;
}

/* ---- REMAP detection ------------------------------------------------- */

/*
 * The owner's page tables must still map each page to the frame it had at
 * PROTECT time.  A kernel that moved the page (migration, compaction, COW,
 * swap) left the protected frame behind: report it once per page, never
 * follow it (the new frame holds whatever the kernel copied: ciphertext).
 */
static void verify_mappings(const struct prot_view *pv, uint16_t id)
{
	struct prot_part *p = &prot.part[id];
	const struct partition *mp = prot_mpe_part(id);
	struct gpt_walk w = caller_walk(pv);
	uint64_t i, pages = p->len >> 12;

	if (!mp || caller_owner(pv) != mp->owner)
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
		prot_drop_frame(pv->cpu, id, i);
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

int64_t prot_hc_unprotect(const struct prot_view *pv, struct hc_regs *r)
{
	struct prot_part *p;
	int64_t err = id_call(r, &p);
	uint16_t id;
	int rc;

	if (err)
		return err;
	id = (uint16_t)(r->rbx - 1);
	if (prot_mpe_part(id)->owner != caller_owner(pv))
		return -SHROUD_EPERM;
	verify_mappings(pv, id);
	rc = release_frames(pv->cpu, id, p->gfns, p->len >> 12);
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

int64_t prot_hc_query(const struct prot_view *pv, struct hc_regs *r)
{
	struct prot_part *p;
	const struct partition *mp;
	int64_t err = id_call(r, &p);
	uint16_t id;
	bool mine;

	if (err)
		return err;
	id = (uint16_t)(r->rbx - 1);
	verify_mappings(pv, id);
	mp = prot_mpe_part(id);
	if (!mp)	/* every page was given up just now */
		return -SHROUD_ENOENT;
	mine = mp->owner == caller_owner(pv);
	/* Only the owner learns where its range is and how many of its
	 * frames are clear (that count follows its access pattern); anyone
	 * else gets a summary without addresses. */
	r->rbx = mine ? p->gva : 0;
	r->rcx = p->len;
	r->rdx = mp->sens | ((uint64_t)mp->access << 8) |
		 ((uint64_t)mp->tier << 16) | ((uint64_t)mine << 24) |
		 ((uint64_t)(mp->cipher == PART_CIPHER_GCM) << 25);
	r->rsi = mine ? mp->ws.n : 0;
	return 0;
}

int64_t prot_hc_list(const struct prot_view *pv, struct hc_regs *r)
{
	uint64_t id;

	(void)pv;
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
static int64_t caller_copy(const struct prot_view *pv, uint64_t gva,
			   const void *src, uint64_t len, int passes)
{
	struct gpt_walk w = caller_walk(pv);
	int user = pv->cpl == 3, pass;

	/* Pass 0 checks every page, pass 1 copies: a refused call writes
	 * nothing. */
	for (pass = 0; pass < passes; pass++) {
		uint64_t at = gva, left = len;

		while (left) {
			uint64_t chunk = 4096 - (at & 0xfff);
			struct gpt_result r;
			void *dst;

			if (chunk > left)
				chunk = left;
			if (gpt_translate(&w, at, &r) || !r.writable ||
			    (user && !r.user) ||
			    !(dst = gmem_ptr(mk_gpa(r.gpa), chunk)) ||
			    part_map_lookup(&prot.mpe.map, mk_gfn(r.gpa >> 12)))
				return -SHROUD_EFAULT;
			if (pass)	/* src is NULL for a check only */
				memcpy(dst, (const uint8_t *)src + (at - gva), chunk);
			at += chunk;
			left -= chunk;
		}
	}
	return 0;
}

static int64_t copy_to_caller(const struct prot_view *pv, uint64_t gva,
			      const void *src, uint64_t len)
{
	return caller_copy(pv, gva, src, len, 2);
}

/* The caller's output buffer [gva, gva + len) is writable for it: 0 or
 * -SHROUD_EFAULT (checked whole, before anything is written). */
static int64_t check_caller_buf(const struct prot_view *pv, uint64_t gva,
				uint64_t len)
{
	return caller_copy(pv, gva, NULL, len, 1);
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
	for (i = 0; i < prot.ncpus; i++) {
		if (!prot.cpus[i])
			continue;
		s->decryptions += prot.cpus[i]->exec.frames_decrypted;
		s->encryptions += prot.cpus[i]->exec.frames_encrypted;
	}
	s->denials = prot.st.denials;
	s->tamper = prot.st.tamper;
	s->anomalies = prot.st.anomalies;
	s->remaps = prot.st.remaps;
	s->foreign_reads = prot.st.foreign_reads;
	s->events_dropped = prot.ev_dropped;
	klock_counts(&s->klock_text_frames, &s->klock_refused);
}

int64_t prot_hc_stats(const struct prot_view *pv, struct hc_regs *r)
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
			verify_mappings(pv, (uint16_t)i);
	fill_stats(&s);
	s.size = (uint32_t)n;
	rc = copy_to_caller(pv, r->rbx, &s, n);
	return rc ? rc : (int64_t)n;
}

int64_t prot_hc_events(const struct prot_view *pv, struct hc_regs *r)
{
	uint64_t owner = caller_owner(pv), gva = r->rbx, cap = r->rcx, n = 0;
	int all = pv->cpl == 0, clear = r->rdx & SHROUD_EVF_CLEAR;
	uint32_t k = 0;

	if (!prot.enabled)
		return -SHROUD_ENODEV;
	if (!cap || cap > 256 || (r->rdx & ~(uint64_t)SHROUD_EVF_CLEAR) || r->rsi)
		return -SHROUD_EINVAL;
	/* The whole buffer, even when there is nothing to report yet. */
	if (check_caller_buf(pv, gva, cap * sizeof(struct shroud_event)))
		return -SHROUD_EFAULT;
	while (k < prot.ev_n && n < cap) {
		const struct prot_event_rec *e =
			&prot.ev[(prot.ev_head + k) % PROT_EVENTS];
		int system = e->owner == PROT_EV_SYSTEM;
		struct shroud_event out = e->ev;

		if (!all && !system && e->owner != owner) {
			k++;
			continue;
		}
		if (system && !all)
			out.gva = out.info = 0;	/* no kernel RIP for CPL > 0 */
		if (copy_to_caller(pv, gva + n * sizeof(out), &out,
				   sizeof(out)))
			return n ? (int64_t)n : -SHROUD_EFAULT;
		n++;
		if (clear && (all || !system))
			prot_event_remove(k);
		else
			k++;
	}
	return (int64_t)n;
}
