/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/prompt-guard/prompt-guard.c - the seed scenario as a demo (issue
 * item 8): a service holding a secret AI prompt.  The prompt is stored
 * AES-256-GCM encrypted (format below, made by prompt-seal); this program
 * decrypts it block by block straight into protected memory (never into
 * an unprotected buffer), analyses it there as the seed's Go server did,
 * prints the figures and "ok", and keeps running until killed.
 *
 *   prompt-guard [--key-file F] [--once] [--socket PATH] [--malloc]
 *                [--no-protect] FILE
 *
 * Key: --key-file F (64 hex digits, or 32 raw bytes), else the environment
 * variable PROMPT_GUARD_KEY (64 hex digits).  Memory: shroud_alloc (SECRET,
 * OWNER) by default; --malloc takes it from malloc() instead, for runs
 * under LD_PRELOAD=shroud-malloc.so (the dynamic build prompt-guard-dyn);
 * --no-protect (= SHROUD_DISABLE=1) is the control run.
 * Output (stdout):
 *   prompt-guard: bytes=B chars=C lines=L words=W headings=H kw_system=..
 *                 kw_user=.. kw_must=.. kw_never=.. sha256=HEX
 *   prompt-guard: pid=P protected=yes|no
 *   ok
 * then it sleeps (default), or serves PATH (each connection gets
 * "ok bytes=B sha256=HEX\n"), or exits (--once); SIGTERM or SIGINT wipe
 * the plaintext, give the memory back and exit 0.  chars counts UTF-8 code
 * points; words are runs of non-whitespace; headings are lines starting
 * with '#'; kw_X counts case-insensitive non-overlapping occurrences.
 *
 * File format (little-endian):
 *   0   8  magic "SHPROMPT"
 *   8   4  version = 1
 *   12 12  GCM IV (random per file)
 *   24  8  plaintext length n
 *   32  n  ciphertext          (AES-256-GCM, AAD = bytes 0..31)
 *   32+n 16 tag
 * A wrong key or an altered file fails the tag: the buffer is wiped and
 * the program exits 1 without printing any figure.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sha256.h"
#include "shroud.h"

#define HDR_LEN	32
#define TAG_LEN	16
#define MAX_PROMPT (16u << 20)

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *const keywords[] = { "system", "user", "must", "never" };
#define NKW (sizeof(keywords) / sizeof(keywords[0]))

struct figures {
	size_t bytes, chars, lines, words, headings, kw[NKW];
	char sha[65];
};

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int parse_key(const char *s, size_t n, unsigned char key[32])
{
	size_t i;

	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 32) {
		memcpy(key, s, 32);
		return 0;
	}
	if (n != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static int load_key(const char *file, unsigned char key[32])
{
	char buf[80];
	const char *e;
	ssize_t n;
	int fd, rc;

	if (!file) {
		e = getenv("PROMPT_GUARD_KEY");
		return e ? parse_key(e, strlen(e), key) : -1;
	}
	fd = open(file, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	rc = n > 0 ? parse_key(buf, (size_t)n, key) : -1;
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

static int read_full(int fd, void *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)p + got, n - got);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Decrypt the body of fd into out (n bytes) 4 KiB at a time; 0 or -1. */
static int decrypt_into(int fd, const unsigned char *hdr, size_t n,
			const unsigned char key[32], unsigned char *out)
{
	unsigned char ct[4096], tag[TAG_LEN];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	size_t off = 0;
	int l, ok;

	ok = c && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) &&
	     EVP_DecryptInit_ex(c, NULL, NULL, key, hdr + 12) &&
	     EVP_DecryptUpdate(c, NULL, &l, hdr, HDR_LEN);
	while (ok && off < n) {
		size_t k = n - off < sizeof(ct) ? n - off : sizeof(ct);

		ok = read_full(fd, ct, k) == 0 &&
		     EVP_DecryptUpdate(c, out + off, &l, ct, (int)k) &&
		     (size_t)l == k;
		off += k;
	}
	ok = ok && read_full(fd, tag, TAG_LEN) == 0 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) &&
	     EVP_DecryptFinal_ex(c, out + n, &l) > 0;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/* Case-insensitive non-overlapping occurrences of kw in p[0..n). */
static size_t count_kw(const unsigned char *p, size_t n, const char *kw)
{
	size_t k = strlen(kw), i, j, hits = 0;

	for (i = 0; i + k <= n;) {
		for (j = 0; j < k && tolower(p[i + j]) == kw[j]; j++)
			;
		if (j == k) {
			hits++;
			i += k;
		} else {
			i++;
		}
	}
	return hits;
}

static void analyse(const unsigned char *p, size_t n, struct sha256 *st,
		    struct figures *f)
{
	uint8_t d[32];
	size_t i;
	int in_word = 0, bol = 1;

	memset(f, 0, sizeof(*f));
	f->bytes = n;
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		f->chars += (c & 0xc0) != 0x80;
		f->lines += c == '\n';
		f->headings += bol && c == '#';
		bol = c == '\n';
		if (isspace(c))
			in_word = 0;
		else if (!in_word)
			in_word = 1, f->words++;
	}
	for (i = 0; i < NKW; i++)
		f->kw[i] = count_kw(p, n, keywords[i]);
	sha256_init(st);
	sha256_update(st, p, n);
	sha256_final(st, d);
	sha256_hex(d, f->sha);
}

static void serve(const char *path, const struct figures *f)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char req[256], rep[128];
	int s = socket(AF_UNIX, SOCK_STREAM, 0), c, n;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	unlink(path);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(s, 8) < 0) {
		fprintf(stderr, "prompt-guard: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	n = snprintf(rep, sizeof(rep), "ok bytes=%zu sha256=%s\n", f->bytes,
		     f->sha);
	while (!stop) {
		c = accept(s, NULL, NULL);
		if (c < 0)
			continue;	/* EINTR: look at stop */
		if (read(c, req, sizeof(req)) >= 0 && write(c, rep, (size_t)n) < 0)
			perror("prompt-guard: write");
		close(c);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: prompt-guard [--key-file F] [--once] [--socket "
		"PATH] [--malloc] [--no-protect] FILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *keyfile = NULL, *sock = NULL, *file = NULL;
	unsigned char hdr[HDR_LEN], key[32];
	int once = 0, use_malloc = 0, fd, i, id = 0;
	struct figures f;
	unsigned char *buf;
	uint64_t n = 0;
	size_t alloc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--key-file") && i + 1 < argc)
			keyfile = argv[++i];
		else if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			sock = argv[++i];
		else if (!strcmp(argv[i], "--once"))
			once = 1;
		else if (!strcmp(argv[i], "--malloc"))
			use_malloc = 1;
		else if (!strcmp(argv[i], "--no-protect"))
			setenv("SHROUD_DISABLE", "1", 1);
		else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else
			usage();
	}
	if (!file)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* SIGTERM/SIGINT end the service cleanly: wipe, UNPROTECT, exit. */
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_term }, NULL);
	sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_term }, NULL);
	if (load_key(keyfile, key) < 0) {
		fprintf(stderr, "prompt-guard: no usable key (--key-file or "
			"PROMPT_GUARD_KEY, 64 hex digits)\n");
		return 1;
	}
	fd = open(file, O_RDONLY);
	if (fd < 0 || read_full(fd, hdr, HDR_LEN) < 0 ||
	    memcmp(hdr, "SHPROMPT", 8) || hdr[8] != 1) {
		fprintf(stderr, "prompt-guard: %s: not a sealed prompt\n", file);
		return 1;
	}
	for (i = 0; i < 8; i++)
		n |= (uint64_t)hdr[24 + i] << (8 * i);
	if (!n || n > MAX_PROMPT) {
		fprintf(stderr, "prompt-guard: %s: bad length\n", file);
		return 1;
	}
	/* Plaintext, then the SHA-256 state: both in the protected memory. */
	alloc = ((n + 15) & ~(size_t)15) + sizeof(struct sha256);
	if (use_malloc) {
		buf = malloc(alloc);
	} else {
		/* OWNER_USER: no system call ever touches the prompt (the
		 * ciphertext is read into a stack buffer and decrypted here in
		 * user mode), so the guest kernel gets no plaintext at all. */
		buf = shroud_alloc(alloc, SHROUD_SENS_SECRET,
				   SHROUD_POLICY_OWNER_USER |
				   SHROUD_ALLOC_FALLBACK);
		id = buf ? shroud_alloc_id(buf) : 0;
	}
	if (!buf) {
		fprintf(stderr, "prompt-guard: allocation: %s\n",
			shroud_strerror(errno));
		return 1;
	}
	if (decrypt_into(fd, hdr, n, key, buf) < 0) {
		explicit_bzero(buf, n);
		fprintf(stderr, "prompt-guard: %s: authentication failed\n",
			file);
		return 1;
	}
	explicit_bzero(key, sizeof(key));
	close(fd);
	analyse(buf, n, (struct sha256 *)(buf + ((n + 15) & ~(size_t)15)), &f);
	printf("prompt-guard: bytes=%zu chars=%zu lines=%zu words=%zu "
	       "headings=%zu", f.bytes, f.chars, f.lines, f.words, f.headings);
	for (i = 0; i < (int)NKW; i++)
		printf(" kw_%s=%zu", keywords[i], f.kw[i]);
	printf(" sha256=%s\n", f.sha);
	printf("prompt-guard: pid=%d protected=%s\n", getpid(),
	       use_malloc ? "malloc" : id > 0 ? "yes" : "no");
	printf("ok\n");
	if (sock)
		serve(sock, &f);
	while (!once && !stop)
		pause();
	explicit_bzero(buf, n);
	if (!use_malloc)
		shroud_free(buf);
	else
		free(buf);
	return 0;
}
