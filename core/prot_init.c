/*
 * core/prot_init.c - bring-up of the protection layer: page-cipher back
 * end, master key and boot nonce, engine storage carved from the frame
 * allocator.  Without a TPM yet the master key is ephemeral (RDSEED via the
 * health-tested DRBG): protected memory does not survive a reboot, which is
 * the intent for RAM-only secrets, and the log says so.
 */
#include "core/protect.h"
#include "aem_entropy.h"
#include "core/lib.h"
#include "core/log.h"
#include "core/prot_state.h"
#include "mm/frame.h"

static struct aem_key_slot key_slots[PROT_PART_SLOTS];
static struct partition part_slots[PROT_PART_SLOTS];
static struct aem_rng boot_rng;

static void *alloc_bytes(uint64_t bytes)
{
	uint64_t hpa = frame_alloc_contig((unsigned)((bytes + 4095) >> 12));

	return hpa ? hpa_ptr(hpa) : NULL;
}

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
		return -1;
	return mpe_init(&prot.mpe, &st, &cfg);
}

static int init_keys(void)
{
	uint8_t master[AEM_MASTER_BYTES], nonce[32];
	int rc;

	rc = aem_rng_init(&boot_rng, NULL, NULL,
			  (const uint8_t *)"shroud boot", 11);
	rc = rc ? rc : aem_rng_bytes(&boot_rng, master, sizeof(master));
	rc = rc ? rc : aem_rng_bytes(&boot_rng, nonce, sizeof(nonce));
	rc = rc ? rc : aem_init(&prot.aem, master, nonce, sizeof(nonce),
				key_slots, PROT_PART_SLOTS);
	memset(master, 0, sizeof(master));	/* aem keeps its own copy */
	__asm__ volatile("" ::"r"(master) : "memory");
	return rc;
}

static int init_part_pages(void)
{
	unsigned i;

	for (i = 0; i < PROT_PART_SLOTS; i++) {
		prot.part[i].gfns = alloc_bytes(PROT_PAGES_MAX * 8);
		if (!prot.part[i].gfns)
			return -1;
	}
	return 0;
}

void prot_init(struct vcpu *v, const struct boot_info *bi)
{
	int rc = aem_cipher_select(AEM_BACKEND_AUTO);

	prot.v = v;
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
	prot.sink_hpa = frame_alloc();
	if (!prot.sink_hpa || init_mpe(bi) || init_part_pages()) {
		log_err("prot", "out of hypervisor memory: protected memory is OFF");
		return;
	}
	prot_exec_setup(v);
	prot.enabled = 1;
	log_info("prot", "page cipher %s, %u partitions, W=%u, master key "
		 "ephemeral (no TPM sealing yet)",
		 aem_backend_name(aem_cipher_backend()), PROT_MAX_PARTS,
		 WS_DEFAULT_W);
}
