/*
 * prot/prot_init.c - bring-up of the protection layer: page-cipher back
 * end, master key and boot nonce, engine storage carved from the frame
 * allocator.
 *
 * Keys (issue 9): by default the master key is generated straight into the
 * host's debug registers DR0-DR3 (RDSEED/RDRAND through RAX only,
 * crypto/aes_reg.S) and never exists in memory; the REGKEY page cipher
 * derives every partition key inside each frame call.  The guest's
 * debug-register accesses are intercepted and emulated (core/vexit.c), so
 * it can neither read nor change DR0-DR3.  Without a TPM yet the master is
 * ephemeral: protected memory does not survive a reboot, and the log says
 * so.  The control build (make control-keysram, -DSHROUD_KEYS_IN_RAM=1)
 * keeps today's memory-resident keys (HKDF master and expanded schedules)
 * for the tests that show a dump finds those.
 *
 * The boot nonce comes from a CTR_DRBG seeded from RDSEED/RDRAND; the DRBG
 * is zeroized as soon as the nonce is drawn, so no DRBG key stays in memory.
 */
#include "prot/protect.h"
#include "aem_entropy.h"
#include "aes_reg.h"
#include "base/lib.h"
#include "base/log.h"
#include "prot/klock.h"
#include "prot/prot_state.h"
#include "prot/self_check.h"
#include "mm/frame.h"
#include "mm/gmem.h"

static struct aem_key_slot key_slots[PROT_PART_SLOTS];
static struct partition part_slots[PROT_PART_SLOTS];

#if defined(SHROUD_KEYS_IN_RAM) && SHROUD_KEYS_IN_RAM
#define KEYS_IN_REGISTERS 0
#else
#define KEYS_IN_REGISTERS 1
#endif

static void *alloc_bytes(uint64_t bytes)
{
	uint64_t hpa = frame_alloc_contig((unsigned)((bytes + 4095) >> 12));

	return hpa ? hpa_ptr(hpa) : NULL;
}

__attribute__((warn_unused_result))
static int init_mpe(const struct boot_info *bi)
{
	uint64_t dir_len = (bi->mem_top + (2ull << 20) - 1) >> 21;
	uint32_t chunks = dir_len > 512 ? 512 : (uint32_t)dir_len;
	struct mpe_storage st = {
		.ext = alloc_bytes(PROT_EXT_CAP * sizeof(struct part_extent)),
		.ext_cap = PROT_EXT_CAP,
		.parts = part_slots, .part_cap = PROT_PART_SLOTS,
		.ws = alloc_bytes(PROT_PART_SLOTS * PROT_WS_CAP * 8),
		.ws_cap = PROT_WS_CAP,
		.fm_dir = alloc_bytes(dir_len * 4), .fm_dir_len = dir_len,
		.fm_pool = alloc_bytes(fmeta_pool_bytes(chunks)),
		.fm_pool_chunks = chunks,
	};
	struct mpe_config cfg = { WS_DEFAULT_W, 32, 3, 8 };

	if (!st.ext || !st.ws || !st.fm_dir || !st.fm_pool)
		return -ENG_ENOMEM;
	return mpe_init(&prot.mpe, &st, &cfg);
}

__attribute__((warn_unused_result))
static int init_keys(void)
{
	static struct aem_rng rng;	/* zeroized before return */
	uint8_t nonce[32];
	int rc;

	rc = aem_rng_init(&rng, NULL, NULL, (const uint8_t *)"shroud boot", 11);
	rc = rc ? rc : aem_rng_bytes(&rng, nonce, sizeof(nonce));
#if KEYS_IN_REGISTERS
	if (!rc && aesreg_master_generate())
		rc = -ENG_EIO;
	rc = rc ? rc : aem_init_regs(&prot.aem, nonce, sizeof(nonce),
				     key_slots, PROT_PART_SLOTS);
#else
	{
		uint8_t master[AEM_MASTER_BYTES];

		rc = rc ? rc : aem_rng_bytes(&rng, master, sizeof(master));
		rc = rc ? rc : aem_init(&prot.aem, master, nonce,
					sizeof(nonce), key_slots,
					PROT_PART_SLOTS);
		memset(master, 0, sizeof(master));  /* aem keeps a copy */
		__asm__ volatile("" ::"r"(master) : "memory");
	}
#endif
	aem_rng_fini(&rng);
	return rc;
}

__attribute__((warn_unused_result))
static int init_part_pages(void)
{
	unsigned i;

	for (i = 0; i < PROT_PART_SLOTS; i++) {
		prot.part[i].gfns = alloc_bytes(PROT_PAGES_MAX * 8);
		if (!prot.part[i].gfns)
			return -ENG_ENOMEM;
	}
	return 0;
}

struct prot_cpu *prot_cpu_init(uint32_t id, struct gpmap *gpm)
{
	struct prot_cpu *c;

	if (!prot.enabled || id >= ARRAY_SIZE(prot.cpus))
		return NULL;
	spin_lock(&prot_lock);
	c = alloc_bytes(sizeof(*c));
	if (!c) {
		prot_unlock();
		return NULL;
	}
	c->id = id;
	c->gpm = gpm;
	c->list = alloc_bytes(PROT_ACTIONS * sizeof(struct mpe_action));
	c->page_gfn = alloc_bytes(PROT_PAGES_MAX * 8);
	c->page_sorted = alloc_bytes(PROT_PAGES_MAX * 8);
	c->sink = mk_hpa(frame_alloc());
	if (!c->list || !c->page_gfn || !c->page_sorted || !c->sink.v) {
		log_err("prot", "cpu %u: out of hypervisor memory: protected "
			"memory is OFF", id);
		prot.enabled = 0;
		prot_unlock();
		return NULL;
	}
	prot_exec_setup(c);
	prot.cpus[id] = c;
	if (prot.ncpus < id + 1)
		prot.ncpus = id + 1;
	prot_unlock();
	return c;
}

void prot_init(const struct boot_info *bi)
{
	int rc = aem_cipher_select(KEYS_IN_REGISTERS ? AEM_BACKEND_REGKEY
						     : AEM_BACKEND_AUTO);

	if (rc) {
		log_err("prot", "page cipher unavailable (%d): the CPU has no "
			"AES-NI; protected memory is OFF", rc);
		return;
	}
	rc = init_keys();
	if (rc) {
		log_err("prot", "no entropy for the master key (%d): protected "
			"memory is OFF", rc);
		return;
	}
	if (init_mpe(bi) || init_part_pages()) {
		log_err("prot", "out of hypervisor memory: protected memory is OFF");
		return;
	}
	prot.ram_top = bi->mem_top;
	prot_self_check_on = bi->self_check != 0;
	if (prot_self_check_on)
		log_warn("prot", "self_check = yes: every operation checks every "
			 "view (testing only, slow)");
	klock_init();
	prot.enabled = 1;
	/* Not secret (it is KDF context): the key tests read it here. */
	log_info("prot", "boot nonce %02x%02x%02x%02x%02x%02x%02x%02x...",
		 prot.aem.nonce[0], prot.aem.nonce[1], prot.aem.nonce[2],
		 prot.aem.nonce[3], prot.aem.nonce[4], prot.aem.nonce[5],
		 prot.aem.nonce[6], prot.aem.nonce[7]);
	log_info("prot", "page cipher %s, %u partitions, W=%u, master key "
		 "%s, ephemeral (no TPM sealing yet)",
		 aem_backend_name(aem_cipher_backend()), PROT_MAX_PARTS,
		 WS_DEFAULT_W, KEYS_IN_REGISTERS ? "in DR0-DR3 only" :
		 "IN MEMORY (control build SHROUD_KEYS_IN_RAM)");
}

/* Zero [gfn, gfn + n) of guest RAM. */
static void zero_frames(uint64_t gfn, uint64_t n)
{
	for (; n; n--, gfn++) {
		void *f = gmem_ptr(mk_gpa(gfn << 12), FRAME_SIZE);

		if (f)
			memset(f, 0, FRAME_SIZE);
	}
}

void prot_wipe_for_reset(void)
{
	unsigned i, k;

	if (!prot.enabled)
		return;
	spin_lock(&prot_lock);
	for (i = 0; i < PROT_PART_SLOTS; i++) {
		const struct partition *mp = part_get(&prot.mpe.parts, (uint16_t)i);

		if (!mp)
			continue;
		for (k = 0; k < mp->ws.n; k++)
			zero_frames(mp->ws.gfn[k], 1);
	}
	for (i = 0; i < prot.mpe.map.count; i++) {
		const struct part_extent *x = &prot.mpe.map.ext[i];
		const struct partition *mp = part_get(&prot.mpe.parts, x->part_id);

		if (mp && mp->tier == PART_TIER_CLEAR)
			zero_frames(x->start, x->nframes);
	}
	for (i = 0; i < prot.ncpus; i++)
		if (prot.cpus[i])
			memset(hpa_ptr(prot.cpus[i]->sink.v), 0, FRAME_SIZE);
	aem_fini(&prot.aem);
#if KEYS_IN_REGISTERS
	aesreg_master_clear();
#endif
	prot.enabled = 0;
	prot_unlock();
}
