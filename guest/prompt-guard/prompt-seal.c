/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/prompt-guard/prompt-seal.c - seals a prompt for prompt-guard (a
 * host tool run at build time; the format is in prompt-guard.c).
 *
 *   prompt-seal KEYFILE IN OUT
 *
 * KEYFILE holds 64 hex digits (the AES-256 key); the IV is random.
 * Exit status: 0, 1 on failure.
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int die(const char *m)
{
	fprintf(stderr, "prompt-seal: %s\n", m);
	return 1;
}

int main(int argc, char **argv)
{
	unsigned char key[32], hdr[32], tag[16], *in, *out;
	char hex[80];
	EVP_CIPHER_CTX *c;
	FILE *f;
	long n;
	int l, i;

	if (argc != 4)
		return die("usage: prompt-seal KEYFILE IN OUT");
	f = fopen(argv[1], "r");
	if (!f || !fgets(hex, sizeof(hex), f))
		return die("cannot read the key file");
	fclose(f);
	for (i = 0; i < 32; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &key[i]) != 1)
			return die("key: 64 hex digits expected");
	f = fopen(argv[2], "rb");
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET))
		return die("cannot read the input");
	in = malloc((size_t)n);
	out = malloc((size_t)n);
	if (!in || !out || fread(in, 1, (size_t)n, f) != (size_t)n)
		return die("cannot read the input");
	fclose(f);
	memcpy(hdr, "SHPROMPT", 8);
	memset(hdr + 8, 0, 4);
	hdr[8] = 1;
	if (RAND_bytes(hdr + 12, 12) != 1)
		return die("no randomness");
	for (i = 0; i < 8; i++)
		hdr[24 + i] = (unsigned char)((unsigned long)n >> (8 * i));
	c = EVP_CIPHER_CTX_new();
	if (!c || !EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) ||
	    !EVP_EncryptInit_ex(c, NULL, NULL, key, hdr + 12) ||
	    !EVP_EncryptUpdate(c, NULL, &l, hdr, 32) ||
	    !EVP_EncryptUpdate(c, out, &l, in, (int)n) ||
	    !EVP_EncryptFinal_ex(c, out + l, &l) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag))
		return die("encryption failed");
	EVP_CIPHER_CTX_free(c);
	f = fopen(argv[3], "wb");
	if (!f || fwrite(hdr, 1, 32, f) != 32 ||
	    fwrite(out, 1, (size_t)n, f) != (size_t)n ||
	    fwrite(tag, 1, 16, f) != 16 || fclose(f))
		return die("cannot write the output");
	return 0;
}
