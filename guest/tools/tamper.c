/* SPDX-License-Identifier: MIT OR BSD-2-Clause
 *
 * guest/tools/tamper.c - the tampering writer of issue item 12: writes
 * into another process's memory through /proc/PID/mem (root, another
 * address space: the kernel writes on behalf of this process).
 *
 *   tamper PID ADDR [LEN] [BYTE]
 *
 * Writes LEN (default 16) copies of BYTE (default 0x58, 'X') at ADDR of
 * PID, then reads them back.  Output:
 *   tamper: pid=P addr=0x.. len=L wrote=W readback_match=M
 * (wrote=-1 errno=E when the kernel refused).  Whether the owner sees the
 * write is for the owner to report (protect-demo's recheck); this tool
 * only proves that it tried.  Exit status: 0 tried, 1 failure, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned char wbuf[4096], rbuf[4096];
	unsigned long long addr;
	size_t len = 16;
	int byte = 0x58, fd, pid;
	char path[64];
	ssize_t w, r;

	if (argc < 3) {
		fprintf(stderr, "usage: tamper PID ADDR [LEN] [BYTE]\n");
		return 2;
	}
	pid = atoi(argv[1]);
	addr = strtoull(argv[2], NULL, 0);
	if (argc > 3)
		len = strtoul(argv[3], NULL, 0);
	if (argc > 4)
		byte = (int)strtol(argv[4], NULL, 0);
	if (!len || len > sizeof(wbuf))
		return 2;
	memset(wbuf, byte, len);
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "tamper: %s: %s\n", path, strerror(errno));
		return 1;
	}
	w = pwrite(fd, wbuf, len, (off_t)addr);
	if (w < 0) {
		printf("tamper: pid=%d addr=0x%llx len=%zu wrote=-1 errno=%d\n",
		       pid, addr, len, errno);
		close(fd);
		return 0;
	}
	r = pread(fd, rbuf, len, (off_t)addr);
	printf("tamper: pid=%d addr=0x%llx len=%zu wrote=%zd "
	       "readback_match=%d\n", pid, addr, len, w,
	       r == (ssize_t)len && !memcmp(wbuf, rbuf, len));
	close(fd);
	return 0;
}
