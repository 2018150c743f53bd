#!/bin/sh
# guest/tools/smoke.sh - one boot's smoke test of a backend, for machines
# whose console takes no input (Bochs: test/integration/test_bochs.py runs
# it as the boot's command).  Every result is a line the test asserts on:
#   status_rc=N               shroudctl status from ring 3 (the hypercall)
#   hvscan start=0x.. end=0x.. bytes=B hits=H nonzero=N
#                             root reads the Reserved range of MIB MiB
#                             (the hypervisor's, by its size) through
#                             /dev/mem: H lines hold the canary, N bytes
#                             are not zero
#   owner MODE ready ...      a protected (MODE=prot) or, as the control,
#                             unprotected (MODE=plain) stress mt owner
#   owner MODE exit status N  only if it exited before its ready line
#   owner MODE memscan ...    root's /proc/PID/mem and process_vm_readv
#                             scans of its buffer
#   owner MODE result ...     the owner's own check (bad=0: it computed
#                             right) after SIGTERM
#   smoke: done
# usage: smoke.sh [MIB] [PAGES] [hv|smp]   (hv: stop after the hvscan)
# smp (a machine with 2 CPUs): no hvscan; "nproc=N", each CPU's status
# ("status cpuC on=C rc=N": on, the CPU it ran on), the owners run 2 threads (pinned to CPU 0 and 1
# by stress mt) and root scans them from each CPU ("owner MODE memscan
# cpuC ..."), then the stale-translation attacker: an owner thread on
# CPU 0 thrashing its working set (RACE pages) while shroudkm on CPU 1
# reads its frames through the direct map, interrupts off
# ("physread MODE shroudkm: physread pages=N reads=R hits=H ...").
mib=${1:-32}
pages=${2:-16}
only=${3:-}
canary=SHROUD-HV-CANARY

shroudctl status; echo "status_rc=$?"
if [ "$only" = smp ]; then
	echo "nproc=$(nproc)"
	for c in 0 1; do
		echo "status cpu$c" $(taskset -c $c sh -c 'echo on=$(cut -d" " \
			-f39 /proc/self/stat); shroudctl status >/dev/null;
			echo rc=$?')
	done
	threads=2; scan_cpus="0 1"
else
	threads=1; scan_cpus=
fi

size=$(printf '%x' $((mib * 1048576)))
[ "$only" = smp ] || range=$(awk -v want="$size" '$3 == "Reserved" {
	split($1, r, "-");
	if (sprintf("%x", ("0x" r[2]) - ("0x" r[1]) + 1) == want)
		print r[1], r[2] }' /proc/iomem | head -n 1)
if [ -n "$range" ]; then
	set -- $range
	start=$((0x$1)); end=$((0x$2 + 1))
	dd if=/dev/mem of=/tmp/hv.bin bs=4096 skip=$((start / 4096)) \
		count=$(((end - start) / 4096)) 2>/dev/null
	# (busybox grep is slow on a long run of zeros, which has no line
	# end: count the non-zero bytes first, grep only if there are any)
	nonzero=$(tr -d '\000' < /tmp/hv.bin | wc -c)
	hits=0
	[ "$nonzero" -gt 0 ] && hits=$(grep -a -c $canary /tmp/hv.bin)
	echo "hvscan start=$(printf '0x%x' $start) end=$(printf '0x%x' $end)" \
		"bytes=$(wc -c < /tmp/hv.bin) hits=$hits nonzero=$nonzero"
	rm -f /tmp/hv.bin
elif [ "$only" != smp ]; then
	echo "hvscan none: no Reserved range of $mib MiB"
fi

if [ "$only" = hv ]; then
	echo "smoke: done"
	exit 0
fi

# launch MODE THREADS PAGES EXTRA: an owner in the background, wait for its
# ready line (bounded); sets pid, line, addr, len.  The owner runs until
# stop()'s SIGTERM: its --seconds is guest time, which under Bochs runs
# far ahead of the wall clock while the owner's faults are emulated (a
# budget of 600 s ran out during root's scans, whose process_vm_readv
# then failed with EFAULT on the exited owner).
launch() {
	mode=$1; nthreads=$2; npages=$3; shift 3
	rm -f /tmp/$mode.out
	stress mt --threads "$nthreads" --seconds 1000000 --pages "$npages" "$@" \
		> /tmp/$mode.out 2>&1 &
	pid=$!
	n=0
	while :; do	# why it stopped: ready, exited or timeout
		if grep -qs '^stress: ready' /tmp/$mode.out; then
			why=ready; break
		elif ! kill -0 $pid 2>/dev/null; then
			why=exited; break
		elif [ $n -ge 600 ]; then
			why=timeout; break
		fi
		sleep 1; n=$((n + 1))
	done
	line=$(grep '^stress: ready' /tmp/$mode.out)
	echo "owner $mode ready after ${n}s ($why): $line"
	[ -n "$line" ] || sed "s/^/owner $mode output: /" /tmp/$mode.out
	if [ "$why" = exited ]; then	# how: its status (128+N: signal N)
		wait $pid; echo "owner $mode exit status $?"
	fi
	addr=$(echo "$line" | sed -n 's/.* addr=0x\([0-9a-f]*\).*/\1/p')
	len=$(echo "$line" | sed -n 's/.* len=\([0-9]*\).*/\1/p')
}

# stop MODE: SIGTERM the owner, print its result line.
stop() {
	kill $pid 2>/dev/null; wait $pid
	echo "owner $1 result $(grep '^stress: mt' /tmp/$1.out)"
}

# owner MODE EXTRA: start, scan (from each of scan_cpus, if any), stop.
owner() {
	mode=$1; shift
	launch $mode $threads "$pages" "$@"
	if [ -n "$addr" ] && [ -z "$scan_cpus" ]; then
		memscan --range "$addr" "$len" $pid | sed "s/^/owner $mode memscan /"
	fi
	for c in $scan_cpus; do
		[ -n "$addr" ] || break
		taskset -c $c memscan --range "$addr" "$len" $pid |
			sed "s/^/owner $mode memscan cpu$c /"
	done
	stop $mode
}

# physread MODE EXTRA: the stale-translation attacker against an owner on
# CPU 0 whose working set thrashes (race pages against W = 8).
race=32
physread() {
	mode=$1; shift
	launch $mode 1 $race "$@"
	if [ -n "$addr" ]; then
		dmesg -c >/dev/null
		taskset -c 1 insmod /lib/shroudkm.ko test=physread pid=$pid \
			addr=$addr len=$len read_ms=100
		dmesg | grep 'shroudkm: physread' | sed "s/^.*shroudkm:/physread $mode shroudkm:/"
	fi
	stop $mode
}

owner prot
owner plain --no-protect
if [ "$only" = smp ]; then
	physread rprot
	physread rplain --no-protect
fi
echo "smoke: done"
