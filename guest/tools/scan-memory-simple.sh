#!/bin/sh
# guest/tools/scan-memory-simple.sh - the seed's own root memory scan
# (its test_memory_simple.sh, as the user ran it against the Go server),
# redone with busybox: read every readable region of a process through
# /proc/PID/mem and look for given strings in it.
#
#   scan-memory-simple.sh PID|NAME NEEDLE...
#
# NAME (not all digits) is looked up with pidof (its first process).
# Each region of /proc/PID/maps with 'r' in its permissions is read whole
# with dd (the Go heap arenas, every goroutine stack, the binary's data,
# anonymous mmaps: the protected buffer included); a hit prints
#   [ERROR] FOUND in memory region START-END: 'NEEDLE' (N times)
# (NUL bytes become line ends first: busybox grep reads each line as a C
# string and would miss every match after a NUL) and the last line is
#   scan: pid=P regions=R bytes=B errors=E hits=H
# (errors: regions dd could not read whole, each also named on a line
#   [WARN] read N of M bytes of region START-END).  Exit status 0 no hit,
# 3 hits, 1 failure, 2 usage.  Run as root.
[ $# -ge 2 ] || { echo "usage: scan-memory-simple.sh PID|NAME NEEDLE..." >&2; exit 2; }
pid=$1
shift
case "$pid" in
*[!0-9]*)
	name=$pid
	pid=$(pidof "$name" | { read -r first rest; echo "$first"; })
	[ -n "$pid" ] || { echo "scan: no process named $name" >&2; exit 1; } ;;
esac
[ -r "/proc/$pid/maps" ] || { echo "scan: no process $pid" >&2; exit 1; }
regions=0 bytes=0 errors=0 hits=0
err=/tmp/scan-memory-simple.$$.err
trap 'rm -f "$err"' EXIT
# The maps snapshot first: the scan itself must not change what it reads.
maps=$(cat "/proc/$pid/maps")
echo "$maps" | {
	while read -r range perms rest; do
		case "$perms" in r*) ;; *) continue ;; esac
		lo=${range%-*}
		hi=${range#*-}
		# [vsyscall] lies above the 47-bit user half: not in /proc/PID/mem
		[ ${#lo} -le 12 ] || continue
		start=$((0x$lo))
		end=$((0x$hi))
		pages=$(( (end - start) / 4096 ))
		regions=$((regions + 1))
		for needle in "$@"; do
			n=$(dd if="/proc/$pid/mem" bs=4096 skip=$((start / 4096)) \
				count=$pages 2>"$err" | tr '\0' '\n' |
				grep -a -o -F -- "$needle" | wc -l)
			if [ "$n" -gt 0 ]; then
				echo "[ERROR] FOUND in memory region $range: '$needle' ($n times)"
				hits=$((hits + n))
			fi
		done
		# dd's "F+P records in": F whole 4 KiB blocks were read
		full=$(sed -n 's/^\([0-9]*\)+[0-9]* records in.*/\1/p' "$err" | tail -n 1)
		full=${full:-0}
		bytes=$((bytes + full * 4096))
		if [ "$full" -ne "$pages" ]; then
			echo "[WARN] read $((full * 4096)) of $((pages * 4096)) bytes of region $range"
			errors=$((errors + 1))
		fi
	done
	echo "scan: pid=$pid regions=$regions bytes=$bytes errors=$errors hits=$hits"
	[ "$hits" -eq 0 ] || exit 3
}
