#!/usr/bin/env bash
# guest/shroud-malloc/host-test.sh - host half of `make unit-guestlib`:
# Shroud is absent here, so shroud-malloc.so runs on its fallback path and
# the tools on their control paths.  Checks: unmodified dynamic programs
# (sort, ls, dash, bash) give the same output under LD_PRELOAD as without,
# the multi-threaded churn test passes, the one-line warning appears only
# with SHROUD_MALLOC_VERBOSE, prompt-guard (static, and dynamic under the
# preload) reproduces the plaintext's SHA-256, memscan finds the markers of
# an unprotected protect-demo (the control the guest tests rely on) and
# hcfuzz says "not under Shroud".  Without SHROUD_MALLOC_FALLBACK=1 the
# preload refuses to serve unprotected memory (a program fails, loudly);
# the other checks opt in.   env: GL_DIR = build/guest.
set -euo pipefail
d=${GL_DIR:?}
pre=$d/shroud-malloc.so
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "host-test: FAIL $*" >&2; exit 1; }

SHROUD_DISABLE=1 "$d/test_libshroud"
# Off Shroud, without the opt-in: the allocation is refused, and said so.
rc=0; err=$(LD_PRELOAD=$pre ls / 2>&1 >/dev/null) || rc=$?
[ $rc != 0 ] && grep -q "allocation refused" <<<"$err" ||
	fail "unprotected heap served without SHROUD_MALLOC_FALLBACK (rc=$rc): $err"
export SHROUD_MALLOC_FALLBACK=1
seq 1 200000 | sort -R > "$tmp/in"
sort -n "$tmp/in" > "$tmp/want"
LD_PRELOAD=$pre sort -n "$tmp/in" > "$tmp/got"
cmp -s "$tmp/want" "$tmp/got" || fail "sort under shroud-malloc"
LD_PRELOAD=$pre sort -n -S 64M --parallel=2 "$tmp/in" | cmp -s "$tmp/want" - ||
	fail "parallel sort"
ls -la /usr/bin > "$tmp/ls.want"
LD_PRELOAD=$pre ls -la /usr/bin > "$tmp/ls.got"
cmp -s "$tmp/ls.want" "$tmp/ls.got" || fail "ls under shroud-malloc"
for sh in dash bash; do
	command -v $sh >/dev/null || continue
	out=$(LD_PRELOAD=$pre $sh -c 'x=$(ls / | wc -l); for i in 1 2 3; do
		echo "$i:$x"; done | sort -r | head -n 1; (exit 3); echo $?')
	[ "$out" = "$(printf '3:%s\n3' "$(ls / | wc -l)")" ] || fail "$sh: $out"
done
out=$(LD_PRELOAD=$pre "$d/mt_test" 4 20000)
grep -q "mt_test: ok" <<<"$out" || fail "mt_test: $out"
LD_PRELOAD=$pre ls / 2>&1 >/dev/null | grep -q "WARNING: not under Shroud: heap NOT protected" ||
	fail "fallback without its warning"
want=$(sha256sum < "$d/prompt.txt" | cut -d' ' -f1)
out=$("$d/prompt-guard" --once --key-file "$d/prompt.key" "$d/prompt.sealed")
grep -q "sha256=$want" <<<"$out" || fail "prompt-guard sha256: $out"
out=$(LD_PRELOAD=$pre "$d/prompt-guard-dyn" --malloc --once --key-file \
	"$d/prompt.key" "$d/prompt.sealed")
grep -q "sha256=$want" <<<"$out" || fail "prompt-guard-dyn: $out"
PROMPT_GUARD_KEY=$(cat "$d/prompt.key") "$d/prompt-guard" --once "$d/prompt.sealed" \
	>/dev/null || fail "key from the environment"
head -c 100 "$d/prompt.sealed" > "$tmp/bad"
! "$d/prompt-guard" --once --key-file "$d/prompt.key" "$tmp/bad" 2>/dev/null ||
	fail "truncated file accepted"
"$d/prompt-guard" --socket "$tmp/pg.sock" --key-file "$d/prompt.key" \
	"$d/prompt.sealed" > "$tmp/pg" &
pid=$!
for _ in $(seq 50); do [ -S "$tmp/pg.sock" ] && break; sleep 0.1; done
out=$(python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"status\n"); print(s.recv(200).decode().strip())' "$tmp/pg.sock")
[ "$out" = "ok bytes=$(wc -c < "$d/prompt.txt") sha256=$want" ] || fail "socket: $out"
kill "$pid"; wait "$pid" || fail "prompt-guard did not exit cleanly on SIGTERM"; pid=
"$d/protect-demo" --pages 4 > "$tmp/demo" &
pid=$!
for _ in $(seq 50); do grep -q "demo: ok" "$tmp/demo" && break; sleep 0.1; done
rc=0; "$d/memscan" "$pid" > "$tmp/scan" || rc=$?
[ $rc = 3 ] && grep -q "method=mem .*hits=256" "$tmp/scan" &&
	grep -q "method=vm .*hits=256" "$tmp/scan" || fail "memscan control: $(cat "$tmp/scan")"
kill "$pid"; wait "$pid" || true; pid=
rc=0; "$d/hcfuzz" > /dev/null || rc=$?
[ $rc = 4 ] || fail "hcfuzz off Shroud: rc=$rc"
echo "host-test: ok"
