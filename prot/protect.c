/*
 * prot/protect.c - protected memory: the engines' executor callbacks,
 * nested page faults and owner switches (see protect.h).  The hypercalls
 * are in prot/hc_protect.c, bring-up in prot/prot_init.c, the state and
 * the event ring in prot/events.c.
 */
#include "prot/protect.h"
#include "prot/klock.h"
#include "base/lib.h"
#include "base/log.h"
#include "fpu.h"
#include "include/shroud/abi.h"
#include "mm/frame.h"
#include "mm/gmem.h"
#include "mm/gpmap.h"
#include "mm/gpt_walk.h"
#include "prot/prot_state.h"
#include "prot/self_check.h"

static void *prot_sink_ptr(const struct prot_cpu *c)
{
	return hpa_ptr(c->sink.v);
}

const struct partition *prot_mpe_part(uint16_t id)
{
	if (id >= PROT_PART_SLOTS || !prot.part[id].used)
		return NULL;
	return part_get(&prot.mpe.parts, id);
}

uint64_t prot_owner_id(uint64_t cr3)
{
	uint64_t root = cr3 & PART_OWNER_MASK, kernel;
	unsigned i;

	if (!(root & PROT_PTI_USER_BIT))
		return root;
	kernel = root & ~PROT_PTI_USER_BIT;
	for (i = 0; i < PROT_PART_SLOTS; i++) {
		const struct partition *mp;

		if (!prot.part[i].used || !prot.part[i].pti_twin)
			continue;
		mp = prot_mpe_part((uint16_t)i);
		if (mp && mp->owner == kernel)
			return kernel;
	}
	return root;
}

/* ---- executor callbacks (mm/mpe_exec.h) --------------------------------- */

/* The executor is about to change (or read) frame @g's contents: the
 * frame leaves every other CPU's view first, and those CPUs acknowledge,
 * so that no other CPU reads or writes it through a stale translation
 * while it is encrypted, decrypted or wiped in place. */
static int map_frame(struct prot_cpu *c, uint64_t gfn, unsigned rights);

static void *exec_frame(void *ctx, gfn_t g)
{
	struct prot_cpu *c = ctx;
	uint32_t i;

	for (i = 0; i < prot.ncpus; i++)
		if (prot.cpus[i] && prot.cpus[i] != c &&
		    map_frame(prot.cpus[i], g.v, 0))
			return NULL;	/* cannot unmap: not touched */
	prot_shootdown();
	/* The other views must still not map it: only a CPU holding
	 * prot_lock changes them.  Checked, so that a break of that rule
	 * (a view changed behind the lock) is reported, not silent. */
	for (i = 0; i < prot.ncpus; i++) {
		static uint32_t budget = 8;
		unsigned level;

		if (prot.cpus[i] && prot.cpus[i] != c &&
		    gpmap_lookup(prot.cpus[i]->gpm, gfn_to_gpa(g), &level) &&
		    log_ratelimit(&budget))
			log_err("prot", "frame 0x%llx mapped again on cpu %u "
				"after its shootdown", (unsigned long long)
				(g.v << 12), i);
	}
	return gmem_ptr(gfn_to_gpa(g), FRAME_SIZE);
}

int prot_map_all(uint64_t gfn, unsigned rights)
{
	uint32_t i;
	int rc = 0;

	for (i = 0; i < prot.ncpus && !rc; i++) {
		struct prot_cpu *o = prot.cpus[i];

		if (!o)
			continue;
		rc = map_frame(o, gfn, rights);
	}
	return rc;
}

static unsigned gpm_rights(uint8_t mpe_perms)
{
	return ((mpe_perms & MPE_ACC_R) ? GPM_R : 0) |
	       ((mpe_perms & MPE_ACC_W) ? GPM_W : 0) |
	       ((mpe_perms & MPE_ACC_X) ? GPM_X : 0);
}

/* One frame of the identity map with @rights (0: not present). */
static int map_frame(struct prot_cpu *c, uint64_t gfn, unsigned rights)
{
	unsigned level;

	if ((gfn << 12) == c->diverted_gpa)
		c->diverted_gpa = 0;
	else if (!rights && !gpmap_lookup(c->gpm, mk_gpa(gfn << 12), &level))
		return 0;	/* not mapped here: nothing to flush */
	return gpmap_map_4k(c->gpm, mk_gpa(gfn << 12), mk_hpa(gfn << 12),
			    klock_rights(gfn, rights));
}

static int exec_map(void *ctx, const struct mpe_action *a)
{
	struct prot_cpu *c = ctx;
	unsigned rights = a->type == MPE_ACT_MAP ? gpm_rights(a->perms) : 0;
	uint64_t g;
	int rc = 0;

	switch (a->type) {
	case MPE_ACT_MAP:	/* for this CPU: it runs whom the map is for */
		for (g = a->gfn; g < a->gfn + a->nframes && !rc; g++)
			rc = map_frame(c, g, rights);
		return rc;
	case MPE_ACT_UNMAP:	/* from every view, unless only this CPU left */
		for (g = a->gfn; g < a->gfn + a->nframes && !rc; g++)
			rc = (a->perms & MPE_UNMAP_THIS_CPU) ?
			     map_frame(c, g, 0) : prot_map_all(g, 0);
		return rc;
	case MPE_ACT_MERGE:	/* a 2 MiB leaf has one set of rights */
		return prot_klocked() ? 0 : gpmap_merge_2m(c->gpm,
						       mk_gpa(a->gfn << 12));
	case MPE_ACT_MOVE:	/* out of every partition: ordinary memory */
		for (g = a->gfn; a->part_to == PART_ID_NONE &&
		     g < a->gfn + a->nframes && !rc; g++)
			rc = map_frame(c, g, GPM_RWX);
		return rc;
	default:	/* SPLIT: 4 KiB maps split on demand */
		return 0;
	}
}

/* The owner's GVA of frame @gfn in guest partition @p, or 0. */
static uint64_t gva_of(const struct prot_part *p, uint64_t gfn)
{
	uint64_t i, n = p->len >> 12;

	for (i = 0; i < n; i++)
		if (p->gfns[i] == gfn)
			return p->gva + (i << 12);
	return 0;
}

static void exec_raise(void *ctx, const struct mpe_action *a)
{
	struct prot_cpu *c = ctx;
	const struct prot_part *p = &prot.part[a->part < PROT_PART_SLOTS ? a->part : 0];
	uint64_t gva = a->part < PROT_PART_SLOTS ? gva_of(p, a->gfn) : 0;

	switch (a->code) {
	case MPE_RAISE_DENIED_WRITE:
		prot.st.denials++;
		c->flags.denied_write = true;
		prot_event(SHROUD_EV_DENIED, a->part, gva, c->fault_ctx);
		break;
	case MPE_RAISE_DENIED_KERNEL:
		prot.st.denials++;
		c->flags.kernel_denied = true;
		prot_event(SHROUD_EV_DENIED, a->part, gva, c->fault_ctx);
		break;
	case MPE_RAISE_DENIED_READ:
		prot.st.foreign_reads++;
		prot_event(SHROUD_EV_FOREIGN_READ, a->part, gva, c->fault_ctx);
		break;
	case MPE_RAISE_INTEGRITY:
		prot.st.tamper++;
		c->flags.tampered = true;
		prot_event(SHROUD_EV_TAMPER, a->part, gva, a->gfn << 12);
		log_warn("prot", "partition %u: frame 0x%llx failed its "
			 "integrity check", (unsigned)a->part + 1,
			 (unsigned long long)(a->gfn << 12));
		break;
	case MPE_RAISE_WIPED:
		prot_event(SHROUD_EV_WIPED, a->part, gva, a->gfn << 12);
		log_err("prot", "partition %u: frame 0x%llx could not be "
			"re-encrypted: wiped", (unsigned)a->part + 1,
			(unsigned long long)(a->gfn << 12));
		break;
	case MPE_RAISE_ANOMALY_EXEC:
		c->flags.exec_denied = true;
		/* fall through */
	case MPE_RAISE_ANOMALY_REPORT:
		prot.st.anomalies++;
		prot_event(SHROUD_EV_ANOMALY, a->part, gva, a->gfn << 12);
		break;
	default:
		break;
	}
}

/*
 * Feed one event and run its actions.  The list is static and large: an
 * owner coming back must lose every read-only ciphertext mapping of a
 * partition whose frames are scattered over up to PROT_PAGES_MAX extents,
 * and a switch away re-encrypts every partition's working set, in one go
 * (mpe_exec_event's 64-entry stack list would stop half way).
 */
int prot_run(struct prot_cpu *c, struct mpe_event *ev)
{
	struct mpe_action *list = c->list;
	uint32_t n = 0, i, crypto = 0;
	int rc = mpe_handle(&prot.mpe, ev, list, PROT_ACTIONS, &n);
	int rc2;

	for (i = 0; i < n && !crypto; i++)
		crypto = list[i].type == MPE_ACT_DECRYPT ||
			 list[i].type == MPE_ACT_ENCRYPT;
	if (crypto)	/* one XSAVE/XRSTOR for all the event's frames */
		arch_fpu_begin();
	rc2 = mpe_exec_run(&c->exec, list, n);	/* decided: stands */
	if (crypto)
		arch_fpu_end();
	prot_trace_run(c, ev, list, n, rc ? rc : rc2);
	/* The MPE destroyed emptied partitions: so are their guest ids. */
	for (i = 0; i < n; i++)
		if (list[i].type == MPE_ACT_DROP && list[i].part < PROT_PART_SLOTS &&
		    prot.part[list[i].part].used) {
			prot.part[list[i].part].used = 0;
			prot_update_intercepts();
		}
	return rc ? rc : rc2;
}

void prot_exec_setup(struct prot_cpu *c)
{
	c->exec.m = &prot.mpe;
	c->exec.aem = &prot.aem;
	c->exec.ops.frame = exec_frame;
	c->exec.ops.map = exec_map;
	c->exec.ops.raise = exec_raise;
	c->exec.ops.ctx = c;
}

void prot_update_intercepts(void)
{
	unsigned i;
	bool any = false;

	for (i = 0; i < PROT_PART_SLOTS; i++) {
		const struct partition *mp = prot_mpe_part((uint16_t)i);

		if (mp && mp->access != PART_ACC_ANY)
			any = true;
	}
	prot.want_cr3 = any;
}

void prot_forget(uint16_t id)
{
	const struct partition *mp = part_get(&prot.mpe.parts, id);

	if (part_map_frames_of(&prot.mpe.map, id))
		return;
	if (mp) {	/* STATS counts since boot, not per live partition */
		prot.st.evictions_gone += mp->cnt.evictions;
		(void)aem_key_close(&prot.aem, mp->key_id);
	}
	(void)part_destroy(&prot.mpe.parts, id);
	if (prot.part[id].used) {
		prot.part[id].used = 0;
		prot_update_intercepts();
	}
}

/*
 * The rule for a frame its owner let go of (issue 8 item 5).  It becomes
 * ordinary memory again, and before that:
 *  - never decrypted: the owner may be alive (the kernel can clear a PTE
 *    for a moment), so its plaintext is never handed out;
 *  - wiped, because it holds the owner's data (clear, or ciphertext the
 *    kernel would see as garbage where it wrote zeros before: its own
 *    init_on_free writes may have gone to the owner's context), unless
 *  - a GCM frame whose tag no longer verifies: someone wrote it behind the
 *    hypervisor's back (a device by DMA, after the kernel reused the
 *    frame), and those bytes are theirs: left as they are.
 * An XTS frame cannot tell: a DMA transfer into it between the owner's
 * exit and the first CPU touch is lost (README, "Current limits").
 */
static void undivert(struct prot_cpu *c);

static bool written_behind(struct prot_cpu *c, uint16_t id, uint64_t gfn)
{
	int rc;

	undivert(c);	/* the sink, scratch here, is mapped to nobody */
	arch_fpu_begin();
	rc = mpe_exec_tag_ok(&c->exec, id, mk_gfn(gfn), prot_sink_ptr(c));
	arch_fpu_end();
	return rc == 0;
}

void prot_drop_frame(struct prot_cpu *c, uint16_t id, uint64_t page)
{
	struct prot_part *p = &prot.part[id];
	struct mpe_event ev = { 0 };
	uint64_t gfn = p->gfns[page];
	void *frame;

	if (gfn == GFN_LOST)
		return;
	frame = gmem_ptr(mk_gpa(gfn << 12), FRAME_SIZE);
	if (frame && !written_behind(c, id, gfn))
		memset(frame, 0, FRAME_SIZE);
	ev.type = MPE_EV_DECLASSIFY;
	ev.gpa = mk_gpa(gfn << 12);
	ev.nframes = 1;
	ev.join = (uint32_t)id + 1;
	ev.discard = 1;
	if (prot_run(c, &ev))
		log_warn("prot", "partition %u: cannot release frame 0x%llx",
			 id + 1u, (unsigned long long)(gfn << 12));
	p->gfns[page] = GFN_LOST;
	prot_forget(id);
}

/* Page index of @gfn in partition @p, or -ENG_ENOENT. */
static int64_t page_index(const struct prot_part *p, uint64_t gfn)
{
	uint64_t i, n = p->len >> 12;

	for (i = 0; i < n; i++)
		if (p->gfns[i] == gfn)
			return (int64_t)i;
	return -ENG_ENOENT;
}

/*
 * Owners that let go.  A process that ends without UNPROTECT (killed,
 * crashed) leaves its partition behind while the guest kernel frees and
 * reuses its frames.  So when another context touches a protected frame,
 * the owner's own page tables are asked whether they still map it at its
 * page's GVA.  A live owner's do, and the frame stays protected; if they
 * do not, the owner has let go of it (exit, munmap, migration): the frame
 * (ciphertext) is wiped and becomes ordinary memory, and a REMAP event is
 * queued.  Returns 1 if the frame was released.
 */
static int release_if_orphan(const struct prot_view *pv, uint16_t id,
			     uint64_t gfn)
{
	struct prot_part *p = &prot.part[id];
	const struct partition *mp = prot_mpe_part(id);
	struct gpt_walk w = { pv->cr0, 0, pv->cr4, pv->efer, gmem_read, 0 };
	struct gpt_result r;
	int64_t i;

	/* The owner's user mode: its frame. The owner's kernel under
	 * OWNER_USER is asked like anyone else (its exit path frees frames
	 * it no longer maps; rule N3b refuses the rest). */
	if (!mp || (prot_owner_id(pv->cr3) == mp->owner &&
		    (pv->cpl == 3 || mp->access != PART_ACC_OWNER_USER)))
		return 0;
	i = page_index(p, gfn);
	w.cr3 = mp->owner;
	if (i >= 0 && !gpt_translate(&w, p->gva + ((uint64_t)i << 12), &r) &&
	    (r.gpa >> 12) == gfn)
		return 0;
	prot.st.remaps++;
	prot_event(SHROUD_EV_REMAP, id, i >= 0 ? p->gva + ((uint64_t)i << 12) : 0, 0);
	if (i >= 0)
		prot_drop_frame(pv->cpu, id, (uint64_t)i);
	return 1;
}

/* HLT is intercepted while owner-only frames are in clear. */
static void update_hlt(void)
{
	unsigned i;
	bool clear = false;

	for (i = 0; i < PROT_PART_SLOTS; i++) {
		const struct partition *mp = prot_mpe_part((uint16_t)i);

		if (mp && mp->access != PART_ACC_ANY && mp->ws.n)
			clear = true;
	}
	prot.want_hlt = clear;
}

/* Put the diverted GPA back to "not present": its next access faults and
 * the policy maps it again for whoever touches it. */
static void undivert(struct prot_cpu *c)
{
	uint64_t gpa = c->diverted_gpa;

	if (!gpa)
		return;
	c->diverted_gpa = 0;
	if (gpmap_map_4k(c->gpm, mk_gpa(gpa), mk_hpa(gpa), 0))
		log_err("prot", "cannot unmap the diverted GPA 0x%llx",
			(unsigned long long)gpa);
}

/*
 * Another context wrote to a protected frame: the MPE refused it.  The
 * write goes to the scratch frame instead, which holds a copy of the
 * frame's ciphertext (or zeros while the frame is clear), so the writer
 * carries on, never sees plaintext, and the owner's frame is unchanged.
 */
static int divert(struct prot_cpu *c, uint64_t gpa)
{
	const struct fmeta *f = fmeta_get(&prot.mpe.fm, mk_gfn(gpa >> 12));
	void *sink = prot_sink_ptr(c), *frame = gmem_ptr(mk_gpa(gpa), FRAME_SIZE);

	undivert(c);
	if (fmeta_encrypted(f) && frame)
		memcpy(sink, frame, FRAME_SIZE);
	else
		memset(sink, 0, FRAME_SIZE);
	c->diverted_gpa = gpa;
	return gpmap_map_4k(c->gpm, mk_gpa(gpa), c->sink, GPM_R | GPM_W);
}

/*
 * Forward progress.  One instruction may need two protected frames at once
 * (an access crossing a page boundary, a string copy): with a working set
 * of one frame (ISOLATED tier) they would evict each other forever.  Faults
 * at one RIP that come back to the GPA of two faults ago are such a
 * ping-pong: the partition's W grows by one frame.  The same GPA at the
 * same RIP in back-to-back nested page faults, with no other exit between
 * them, is no progress at all (an access the policy will never allow, such
 * as an instruction fetch from protected data): -ENG_EAGAIN, and the
 * caller makes the guest take a #GP rather than spin.  Any other exit in
 * between (a CR3 write, a hypercall) shows the guest ran: the count starts
 * again, so a process that writes an owner's page again and again (each
 * write diverted) is never mistaken for a stuck one.
 */
#define NPF_REPEAT_MAX	16u

static int npf_progress(struct prot_cpu *c, const struct part_extent *x,
			const struct prot_view *pv, uint64_t gpa)
{
	struct partition *mp = part_get(&prot.mpe.parts, x->part_id);
	bool fresh = pv->rip != c->last_npf_rip ||
		     pv->exit_seq != c->last_npf_seq + 1;

	c->last_npf_seq = pv->exit_seq;
	if (fresh) {
		c->last_npf_rip = pv->rip;
		c->npf_gpa[0] = c->npf_gpa[1] = ~0ull;
		c->npf_repeat = 0;
	}
	if (gpa == c->npf_gpa[0]) {
		if (++c->npf_repeat > NPF_REPEAT_MAX) {
			c->npf_repeat = 0;
			return -ENG_EAGAIN;
		}
	} else if (gpa == c->npf_gpa[1] && mp && mp->ws.limit < mp->ws.cap) {
		uint64_t none[PROT_WS_CAP];

		(void)ws_set_limit(&mp->ws, mp->ws.limit + 1, none);
		log_info("prot", "partition %u: W raised to %u (one instruction "
			 "needs more frames)", (unsigned)x->part_id + 1,
			 mp->ws.limit);
	}
	c->npf_gpa[1] = c->npf_gpa[0];
	c->npf_gpa[0] = gpa;
	return 0;
}

static void set_outcome(struct prot_outcome *out, enum prot_verdict v,
			const char *why)
{
	out->verdict = v;
	out->why = why;
}

/* A fault on a GPA that is in no partition. */
static void npf_unprotected(const struct prot_view *pv, uint64_t gpa,
			    unsigned access, struct prot_outcome *out)
{
	struct prot_cpu *c = pv->cpu;

	/* A frame released while unmapped: ordinary memory again. */
	if (!gmem_is_ram(gpa, FRAME_SIZE)) {
		set_outcome(out, PROT_NOT_MINE, NULL);
		return;
	}
	if (prot_klocked()) {
		klock_npf(pv, gpa, access, out);
		return;
	}
	if (gpmap_map_4k(c->gpm, mk_gpa(gpa), mk_hpa(gpa), GPM_RWX))
		set_outcome(out, PROT_STOP, "out of guest-physical map frames");
	else
		set_outcome(out, PROT_RESUME, NULL);
}

static void npf_locked(const struct prot_view *pv, uint64_t gpa,
		       unsigned access, struct prot_outcome *out)
{
	struct prot_cpu *c = pv->cpu;
	const struct part_extent *x;
	struct mpe_event ev = { 0 };
	int rc;

	x = part_map_lookup(&prot.mpe.map, mk_gfn(gpa >> 12));
	if (!x) {
		npf_unprotected(pv, gpa, access, out);
		return;
	}
	if (release_if_orphan(pv, x->part_id, gpa >> 12)) {
		set_outcome(out, PROT_RESUME, NULL);
		return;
	}
	if (npf_progress(c, x, pv, gpa)) {
		static uint32_t budget = 16;	/* guest-triggered */

		prot.st.denials++;
		prot_event(SHROUD_EV_DENIED, x->part_id,
			   gva_of(&prot.part[x->part_id], gpa >> 12), pv->rip);
		if (log_ratelimit(&budget))
			log_warn("prot", "no progress at rip 0x%llx on gpa 0x%llx "
				 "(cpl %u): #GP to the guest",
				 (unsigned long long)pv->rip,
				 (unsigned long long)gpa, pv->cpl);
		set_outcome(out, PROT_INJECT_GP, "no progress on a protected frame");
		return;
	}
	ev.type = MPE_EV_NPF;
	ev.access = (access & 0x4u) ? MPE_ACC_X :
		    (access & 0x2u) ? MPE_ACC_W : MPE_ACC_R;
	ev.gpa = mk_gpa(gpa);
	ev.ctx = prot_owner_id(pv->cr3);
	ev.user = pv->cpl == 3;
	ev.extent = x;		/* the one lookup of this fault */
	c->fault_ctx = ev.ctx;
	c->flags.denied_write = c->flags.tampered = c->flags.exec_denied = false;
	c->flags.kernel_denied = false;
	prot.st.faults++;
	rc = prot_run(c, &ev);
	if (rc == -ENG_EBADMSG || c->flags.tampered) {
		/* Nobody computes on altered data.  At CPL 3 the process gets
		 * SIGSEGV; in the kernel a user-access copy turns the #GP into
		 * -EFAULT (its exception fixup), anything else is an oops of
		 * that task: the VM goes on either way. */
		set_outcome(out, PROT_INJECT_GP, "integrity failure");
		return;
	}
	if (!rc && c->flags.exec_denied) {
		/* Executing protected data (or an isolated frame): the frame
		 * stays as protected as it was; the instruction gets #GP. */
		set_outcome(out, PROT_INJECT_GP, "instruction fetch from "
			    "protected data");
		return;
	}
	if (!rc && c->flags.kernel_denied) {
		/* The owner's kernel under OWNER_USER (rule N3b): no plaintext,
		 * and no ciphertext left mapped for the owner's user mode. */
		set_outcome(out, PROT_INJECT_GP, "the owner's kernel on "
			    "OWNER_USER memory");
		return;
	}
	if (!rc && c->flags.denied_write)
		rc = divert(c, gpa);
	if (rc) {
		log_err("prot", "fault at gpa 0x%llx: engine error %d",
			(unsigned long long)gpa, rc);
		set_outcome(out, PROT_STOP, "no progress on a protected frame");
		return;
	}
	set_outcome(out, PROT_RESUME, NULL);
}

void prot_npf(const struct prot_view *pv, gpa_t gpa, unsigned access,
	      struct prot_outcome *out)
{
	set_outcome(out, PROT_NOT_MINE, NULL);
	if (!prot.enabled || !pv->cpu)
		return;
	spin_lock(&prot_lock);
	npf_locked(pv, gpa.v & ~0xfffull, access, out);
	update_hlt();
	prot_unlock();
}

/* The CPU now runs address space @ctx (0: none, idle): owners away lose
 * their clear frames, an owner back loses others' ciphertext views. */
static int owner_switch(struct prot_cpu *c, uint64_t ctx)
{
	struct mpe_event ev = { 0 };
	uint64_t others[BI_CPUS_MAX];
	uint32_t i, n = 0;

	undivert(c);
	/* Owners still running on other CPUs keep their clear frames there;
	 * this CPU's view loses them either way. */
	for (i = 0; i < prot.ncpus; i++)
		if (prot.cpus[i] && prot.cpus[i] != c && prot.cpus[i]->fault_ctx)
			others[n++] = prot.cpus[i]->fault_ctx;
	ev.type = MPE_EV_CTX_SWITCH;
	ev.ctx = ctx ? prot_owner_id(ctx) : 0;
	ev.others = others;
	ev.nothers = n;
	c->fault_ctx = ev.ctx;
	return prot_run(c, &ev);
}

void prot_cr3_write(const struct prot_view *pv, uint64_t new_cr3)
{
	bool switched;
	int rc;

	if (!prot.enabled || !pv->cpu)
		return;
	spin_lock(&prot_lock);
	/* The policy's clock counts address-space switches: under PTI the
	 * CR3 write of every kernel entry and exit (one process's two roots,
	 * bit 12 apart) is not one, or a busy owner would age in a few
	 * system calls.  (Without PTI two processes whose roots are bit 12
	 * apart tick a little slower; the clock only paces the tiers.) */
	switched = ((pv->cpu->fault_ctx ^ new_cr3) & PART_OWNER_MASK &
		    ~PROT_PTI_USER_BIT) != 0;
	rc = owner_switch(pv->cpu, new_cr3);
	if (!rc && switched && ++prot.cr3_switches % 64 == 0) {
		struct mpe_event tick = { 0 };

		tick.type = MPE_EV_TICK;
		rc = prot_run(pv->cpu, &tick);
	}
	if (rc)
		log_err("prot", "owner switch to cr3 0x%llx: engine error %d",
			(unsigned long long)new_cr3, rc);
	update_hlt();
	prot_unlock();
}

void prot_idle(const struct prot_view *pv)
{
	int rc;

	if (!prot.enabled || !pv->cpu)
		return;
	spin_lock(&prot_lock);
	rc = owner_switch(pv->cpu, 0);	/* no address space: every owner is away */
	if (rc)
		log_err("prot", "idle switch: engine error %d", rc);
	/* The HLT runs natively now; the next fault that leaves owner-only
	 * frames clear turns the intercept on again. */
	prot.want_hlt = false;
	prot_unlock();
}

void prot_intercepts(bool *cr3_write, bool *hlt)
{
	*cr3_write = prot.enabled && prot.want_cr3;
	*hlt = prot.enabled && prot.want_hlt;
}

void prot_print(void)
{
	unsigned i;

	for (i = 0; i < PROT_PART_SLOTS; i++) {
		const struct prot_part *p = &prot.part[i];
		const struct partition *mp = prot_mpe_part((uint16_t)i);

		if (!mp)
			continue;
		log_raw("  partition %u: %llu KiB sens %u policy %u tier %u "
			"clear %u/%u owner 0x%llx faults %llu\n", i + 1,
			(unsigned long long)(p->len >> 10), mp->sens, mp->access,
			mp->tier, mp->ws.n, mp->ws.limit,
			(unsigned long long)mp->owner,
			(unsigned long long)mp->cnt.faults);
	}
}
