/* bench/inguest/baseline.h - the user-level baseline of issue item 15: a
 * CryptoMalloc-style decrypting region.  Pages are kept AES-256-XTS
 * encrypted (OpenSSL, tweak = page index, the hypervisor's default cipher)
 * and mprotect'ed PROT_NONE; a SIGSEGV handler decrypts the touched page
 * in place, makes it accessible and puts it in a clear working set of W
 * pages, re-encrypting and re-protecting the least recently decrypted one
 * beyond W.  One region per process (the handler is global). */
#ifndef SHROUD_BENCH_BASELINE_H
#define SHROUD_BENCH_BASELINE_H

#include <stddef.h>

/* Map pages, fill with zeros, encrypt them, protect them; working set ws
 * (1..64).  Returns the region or NULL. */
void *bl_create(size_t pages, unsigned ws);
/* Encrypt every clear page again (start of a measurement). */
void bl_seal_all(void);
/* Faults handled since bl_create. */
unsigned long bl_faults(void);
void bl_destroy(void);

#endif
