#!/bin/sh
# guest/tools/goserver-bench.sh - issue 12's benchmark, in one boot:
# prompt-server protected (the default working set, then W = 16) and
# unprotected (-no-protect), side by side; `prompt-server bench`
# interleaves the load runs (A, B, A, B, ...) and prints req/s, latency
# percentiles, nested page faults per request and the ratios.
#
#   goserver-bench.sh [CLIENTS] [SECONDS] [ROUNDS]      (default 4 5 3)
c=${1:-4} d=${2:-5} r=${3:-3}
key=/usr/share/shroud/prompt.key
sealed=/usr/share/shroud/prompt.sealed
prompt-server -addr 127.0.0.1:8080 -key-file $key $sealed &
a=$!
prompt-server -addr 127.0.0.1:8082 -ws 16 -key-file $key $sealed &
a16=$!
prompt-server -addr 127.0.0.1:8081 -no-protect -key-file $key $sealed &
b=$!
trap 'kill $a $a16 $b 2>/dev/null' EXIT
for port in 8080 8081 8082; do
	prompt-server get -wait 60s http://127.0.0.1:$port/healthz >/dev/null || exit 1
done
echo "goserver-bench: A = protected (default W), B = unprotected"
prompt-server bench -c "$c" -d "${d}s" -rounds "$r" \
	http://127.0.0.1:8080/data http://127.0.0.1:8081/data || exit 1
echo "goserver-bench: A = protected (W = 16), B = unprotected"
prompt-server bench -c "$c" -d "${d}s" -rounds "$r" \
	http://127.0.0.1:8082/data http://127.0.0.1:8081/data || exit 1
shroudctl stats
