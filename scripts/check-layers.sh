#!/usr/bin/env bash
# scripts/check-layers.sh - the layering rules of docs/ARCHITECTURE.md,
# checked on the hypervisor's sources (run by `make unit`):
#   base/            includes nothing of the project but base/
#   mm/, crypto/     include base/ and their own folder only (and mbedTLS)
#   arch/, drivers/  include nothing of core/ or prot/ (arch/ may include the
#                    guest ABI, include/shroud/: the loader makes a hypercall)
#   prot/            includes nothing of core/ or of a backend's folder
#   everything outside arch/x86/svm (and a future arch/x86/vmx) names no
#   SVM, VMCB, NPT or VMMCALL identifier (comments citing manuals are fine)
set -u
cd "$(dirname "$0")/.."
fail=0

# $1 = folder, $2 = extended regex of the include paths it may use
allow_includes() {
	local bad
	bad=$(grep -rHn '^#include "' "$1" --include='*.c' --include='*.h' |
	      grep -vE "#include \"($2)" || true)
	if [ -n "$bad" ]; then
		echo "check-layers: $1 includes something above it:"
		echo "$bad"
		fail=1
	fi
}

allow_includes base   'base/'
allow_includes mm     'base/|mm/|fmeta\.h|part\.h|part_map\.h|ws\.h|mpe\.h|types\.h'
allow_includes crypto 'base/|aem|aes_kern\.h|aes_reg\.h|fpu\.h|mbedtls'
allow_includes drivers 'base/|drivers/|arch/x86/cpu\.h'
allow_includes arch   'base/|mm/|arch/|include/shroud/'
allow_includes prot   'base/|mm/|prot/|include/shroud/|aem|aes_reg\.h|mpe\.h|fpu\.h|arch/x86/boot/bootinfo\.h'

# Vendor identifiers outside the backend folder: strip // and /* */ comments
# and string literals, then search.
vendor=$(for f in $(find core prot mm base crypto drivers arch/x86 -maxdepth 1 \
		-name '*.[ch]' -type f) $(find arch/x86/boot -name '*.[ch]'); do
	sed -e 's#//.*##' "$f" | perl -0pe 's#/\*.*?\*/##gs; s#"(\\.|[^"\\])*"#""#g' |
	grep -nE '\b(svm|SVM|vmcb|VMCB|npt|NPT|vmmcall|VMMCALL)[A-Za-z0-9_]*\b' |
	grep -vE '\bsvm_probe\b|\bsvm_vcpu_ops\b' | sed "s#^#$f:#"
done)
if [ -n "$vendor" ]; then
	echo "check-layers: vendor names outside arch/x86/svm:"
	echo "$vendor"
	fail=1
fi
[ $fail = 0 ] && echo "check-layers: layering and vendor-name rules hold"
exit $fail
