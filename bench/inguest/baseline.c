/* bench/inguest/baseline.c - see baseline.h.  The handler uses a cipher
 * context prepared in bl_create; EVP_CipherUpdate on a prepared XTS
 * context does not allocate, which keeps it usable from the handler. */
#define _GNU_SOURCE
#include <openssl/evp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "baseline.h"

#define PG	4096ul
#define WS_MAX	64

static char *base;
static size_t npages;
static unsigned ws, ws_n, ws_head;
static size_t ring[WS_MAX];
static unsigned long faults;
static EVP_CIPHER_CTX *enc, *dec;
static unsigned char key[64];

static void xts(EVP_CIPHER_CTX *c, size_t idx, int do_enc)
{
	unsigned char iv[16] = { 0 };
	int l;

	memcpy(iv, &idx, sizeof(idx));
	EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, do_enc);
	EVP_CipherUpdate(c, (unsigned char *)base + idx * PG, &l,
			 (unsigned char *)base + idx * PG, (int)PG);
}

static void evict_one(void)
{
	size_t v = ring[ws_head];

	xts(enc, v, 1);
	mprotect(base + v * PG, PG, PROT_NONE);
	ws_head = (ws_head + 1) % ws;
	ws_n--;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	size_t idx;

	(void)uc;
	if (!base || a < (uintptr_t)base || a >= (uintptr_t)base + npages * PG) {
		signal(sig, SIG_DFL);	/* a real crash: re-fault and die */
		return;
	}
	idx = (a - (uintptr_t)base) / PG;
	if (ws_n == ws)
		evict_one();
	mprotect(base + idx * PG, PG, PROT_READ | PROT_WRITE);
	xts(dec, idx, 0);
	ring[(ws_head + ws_n) % ws] = idx;
	ws_n++;
	faults++;
}

void *bl_create(size_t pages, unsigned w)
{
	struct sigaction sa;
	size_t i;

	if (!w || w > WS_MAX)
		return NULL;
	base = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (base == MAP_FAILED)
		return base = NULL;
	npages = pages;
	ws = w;
	ws_n = ws_head = 0;
	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(i * 13 + 7);
	enc = EVP_CIPHER_CTX_new();
	dec = EVP_CIPHER_CTX_new();
	EVP_CipherInit_ex(enc, EVP_aes_256_xts(), NULL, key, NULL, 1);
	EVP_CipherInit_ex(dec, EVP_aes_256_xts(), NULL, key, NULL, 0);
	for (i = 0; i < pages; i++)
		xts(enc, i, 1);
	mprotect(base, pages * PG, PROT_NONE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	return base;
}

void bl_seal_all(void)
{
	while (ws_n)
		evict_one();
}

unsigned long bl_faults(void)
{
	return faults;
}

void bl_destroy(void)
{
	signal(SIGSEGV, SIG_DFL);
	munmap(base, npages * PG);
	EVP_CIPHER_CTX_free(enc);
	EVP_CIPHER_CTX_free(dec);
	base = NULL;
}
