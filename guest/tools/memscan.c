/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/tools/memscan.c - the root attacker of issue item 10: reads every
 * readable mapping of a target process and counts the secret markers.
 *
 *   memscan [--mem | --vm | --both] [--xhex HEX] [--range ADDR LEN] PID
 *
 * --mem reads through /proc/PID/mem (pread at each mapping of
 * /proc/PID/maps), --vm through process_vm_readv; --both (default) does
 * both.  The needle is the marker prefix of marker.h unless --xhex gives
 * another one as hex of its bytes XORed with 0x5a.  The needle is never
 * built in plaintext (it would then sit in this process's memory and show
 * up in host-side dumps): bytes are compared after XOR.
 * --range ADDR LEN (ADDR in hex) counts the bytes read, and the failed
 * page reads, inside one range (the protected buffer), so that a scan that
 * could not read the range never passes as "0 hits".
 * Output, one line per method:
 *   memscan: method=mem pid=P regions=R bytes=B errors=E hits=H
 *            range_bytes=RB range_errors=RE
 * Exit status: 0 no hit, 3 hits found, 1 failure, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "marker.h"

#define CHUNK	(1u << 20)

static uint8_t needle_x[256];
static size_t needle_len;

struct scan {
	unsigned long regions, bytes, errors, hits;
	unsigned long range_bytes, range_errors;	/* inside --range */
	unsigned long covered;		/* reads reached up to here */
};

/* Count needle hits in buf[0..n); carry-over across chunks is handled by
 * the caller overlapping reads by needle_len - 1 bytes. */
static unsigned long count_hits(const uint8_t *buf, size_t n)
{
	unsigned long hits = 0;
	size_t i, j;

	for (i = 0; i + needle_len <= n; i++) {
		for (j = 0; j < needle_len; j++)
			if ((uint8_t)(buf[i + j] ^ MARKER_XOR) != needle_x[j])
				break;
		hits += j == needle_len;
	}
	return hits;
}

static long rd_mem(int fd, pid_t pid, uint8_t *buf, size_t n, uint64_t a)
{
	struct iovec l = { buf, n }, r = { (void *)(uintptr_t)a, n };

	if (fd >= 0)
		return pread(fd, buf, n, (off_t)a);
	return process_vm_readv(pid, &l, 1, &r, 1, 0);
}

/* --range: the protected range whose reads the caller wants to see counted
 * (a failing read must not pass as "0 hits"). */
static unsigned long range_lo, range_hi;

/* Bytes of [a, a + n) inside the --range. */
static unsigned long in_range(unsigned long a, unsigned long n)
{
	unsigned long lo = a > range_lo ? a : range_lo;
	unsigned long hi = a + n < range_hi ? a + n : range_hi;

	return hi > lo ? hi - lo : 0;
}

static int scan(pid_t pid, int use_vm, struct scan *s)
{
	char path[64], line[512], perms[8];
	unsigned long lo, hi;
	uint8_t *buf;
	FILE *maps;
	int fd = -1;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = fopen(path, "r");
	if (!maps)
		return -1;
	if (!use_vm) {
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			fclose(maps);
			return -1;
		}
	}
	buf = malloc(CHUNK + sizeof(needle_x));
	while (buf && fgets(line, sizeof(line), maps)) {
		uint64_t a;

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 ||
		    perms[0] != 'r' || strstr(line, "[vsyscall]") ||
		    strstr(line, "[vvar]"))
			continue;
		s->regions++;
		for (a = lo; a < hi;) {
			size_t n = hi - a < CHUNK ? hi - a : CHUNK;
			long got = rd_mem(fd, pid, buf, n, a);

			if (got <= 0) {
				s->errors++;
				s->range_errors += in_range(a, 4096) ? 1 : 0;
				a += 4096;	/* skip an unreadable page */
				continue;
			}
			s->bytes += (unsigned long)got;
			{	/* each byte once: reads overlap by a few bytes */
				unsigned long from = a > s->covered ? a : s->covered,
					      to = a + (unsigned long)got;

				if (to > from)
					s->range_bytes += in_range(from, to - from);
				if (to > s->covered)
					s->covered = to;
			}
			s->hits += count_hits(buf, (size_t)got);
			if ((size_t)got < needle_len || a + (size_t)got >= hi)
				a += (size_t)got;
			else	/* overlap so a marker across chunks counts */
				a += (size_t)got - (needle_len - 1);
		}
	}
	if (buf)
		explicit_bzero(buf, CHUNK);
	free(buf);
	fclose(maps);
	if (fd >= 0)
		close(fd);
	return 0;
}

static int parse_xhex(const char *h)
{
	size_t n = strlen(h), i;
	unsigned v;

	if (!n || n % 2 || n / 2 > sizeof(needle_x))
		return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			return -1;
		needle_x[i] = (uint8_t)v;
	}
	needle_len = n / 2;
	return 0;
}

int main(int argc, char **argv)
{
	int do_mem = 1, do_vm = 1, i, found = 0;
	struct scan s;
	pid_t pid = 0;

	memcpy(needle_x, marker_prefix_x, MARKER_PREFIX_LEN);
	needle_len = MARKER_PREFIX_LEN;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mem"))
			do_mem = 1, do_vm = 0;
		else if (!strcmp(argv[i], "--vm"))
			do_mem = 0, do_vm = 1;
		else if (!strcmp(argv[i], "--both"))
			do_mem = do_vm = 1;
		else if (!strcmp(argv[i], "--xhex") && i + 1 < argc) {
			if (parse_xhex(argv[++i]))
				goto usage;
		} else if (!strcmp(argv[i], "--range") && i + 2 < argc) {
			range_lo = strtoul(argv[++i], NULL, 16);
			range_hi = range_lo + strtoul(argv[++i], NULL, 0);
		} else if (argv[i][0] != '-' && !pid)
			pid = (pid_t)atoi(argv[i]);
		else
			goto usage;
	}
	if (pid <= 0)
		goto usage;
	for (i = 0; i < 2; i++) {
		if (!(i ? do_vm : do_mem))
			continue;
		if (scan(pid, i, &s) < 0) {
			fprintf(stderr, "memscan: pid %d: %s\n", (int)pid,
				strerror(errno));
			return 1;
		}
		printf("memscan: method=%s pid=%d regions=%lu bytes=%lu "
		       "errors=%lu hits=%lu range_bytes=%lu range_errors=%lu\n",
		       i ? "vm" : "mem", (int)pid, s.regions, s.bytes, s.errors,
		       s.hits, s.range_bytes, s.range_errors);
		found |= s.hits > 0;
	}
	return found ? 3 : 0;
usage:
	fprintf(stderr, "usage: memscan [--mem|--vm|--both] [--xhex HEX] [--range HEXADDR LEN] PID\n");
	return 2;
}
