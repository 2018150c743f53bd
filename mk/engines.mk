# mk/engines.mk - the host-tested engines (issue 3): AEM (crypto/) and MPE
# (mm/ partition map, frame metadata, working set, policy), built three ways
# from the same sources:
#   engines-hv     $(BUILD)/engines/hv/libengines.a, freestanding, hypervisor
#                  flags; the core links it (ENGINES_HV_LIB/ENGINES_HV_INCLUDES)
#   unit-engines   cmocka tests with ASan+UBSan, plus engines-hv-check
#   bench-crypto, bench-fault   optimized host benchmarks (OpenSSL as a peer)
#   fuzz-engines   libFuzzer harnesses (clang), FUZZ_SECONDS each (default 60)
# Included by the top-level Makefile (TOP, BUILD, TP defined there).

comma := ,
ENG_DIR   := $(BUILD)/engines
ENG_MBED  := $(TP)/mbedtls
ENG_CC    ?= $(CC)
ENG_CLANG ?= clang

ENGINES_HV_LIB      := $(ENG_DIR)/hv/libengines.a
ENGINES_HV_INCLUDES := -I$(TOP) -I$(TOP)/mm -I$(TOP)/crypto -I$(ENG_MBED)/include \
	-DMBEDTLS_CONFIG_FILE='"mbedtls_config_shroud.h"'

# Sources. ENG_SIMD is the only file built with SSE/AES enabled.
ENG_SRCS := crypto/aem_cipher.c crypto/aem_alloc.c crypto/aem_keys.c \
	crypto/aem_entropy.c mm/part_map.c mm/part.c mm/fmeta.c mm/ws.c \
	mm/mpe.c mm/mpe_check.c prot/mpe_exec.c
ENG_SIMD := crypto/aes_kern.c
# The register-only cipher (crypto/aes_reg.S); host variants read the
# master from memory since ring 3 cannot read debug registers.
ENG_ASM := crypto/aes_reg.S
ENG_MBED_SRCS := aes.c gcm.c cipher.c cipher_wrap.c sha256.c md.c hkdf.c \
	ctr_drbg.c platform_util.c constant_time.c cmac.c

ENG_WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
	-Wshadow -Wvla -Wpointer-arith
ENG_CFG  := $(ENGINES_HV_INCLUDES)

ENG_HV_CFLAGS := -ffreestanding -fno-pic -fno-pie -mcmodel=kernel \
	-mno-red-zone -mno-sse -mno-mmx -mno-sse2 -mno-avx \
	-fno-stack-protector -fno-builtin -nostdinc \
	-isystem $(shell $(ENG_CC) -print-file-name=include) -O2 -std=gnu11 \
	$(ENG_WARN) -Wconversion -Wsign-conversion -DSHROUD_HV=1 -I$(TOP)/base/libc \
	$(SHROUD_EXTRA_DEFS)
ENG_SIMD_FLAGS := -msse2 -msse4.1 -maes -mpclmul
ENG_HV_SIMD_CFLAGS := $(filter-out -mno-sse -mno-mmx -mno-sse2 -mno-avx,\
	$(ENG_HV_CFLAGS)) $(ENG_SIMD_FLAGS)
# mbedTLS is third-party code: same code-generation flags, its own warnings.
ENG_HV_MBED_CFLAGS := $(filter-out $(ENG_WARN),$(ENG_HV_CFLAGS)) -w

ENG_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
ENG_HOST_CFLAGS  := -O1 -g -std=gnu11 $(ENG_WARN) $(ENG_SAN)
ENG_BENCH_CFLAGS := -O2 -g -std=gnu11 $(ENG_WARN)

# $(call eng_objs,variant) -> object list for one build variant
eng_objs = $(patsubst %.c,$(ENG_DIR)/$(1)/%.o,$(ENG_SRCS) $(ENG_SIMD)) \
	$(patsubst %.S,$(ENG_DIR)/$(1)/%.o,$(ENG_ASM)) \
	$(patsubst %.c,$(ENG_DIR)/$(1)/mbedtls/%.o,$(ENG_MBED_SRCS))

# $(call eng_rules,variant,cflags,simd-cflags,mbed-cflags,cc,asm-flags)
define eng_rules
$(ENG_DIR)/$(1)/crypto/aes_reg.o: $(TOP)/crypto/aes_reg.S
	@mkdir -p $$(dir $$@)
	@echo "  AS($(1)) $$(notdir $$<)"; $(5) $(6) -c $$< -o $$@
$(ENG_DIR)/$(1)/crypto/aes_kern.o: $(TOP)/crypto/aes_kern.c $(ENG_HDRS)
	@mkdir -p $$(dir $$@)
	@echo "  CC($(1)) $$(notdir $$<)"; $(5) $(3) $(ENG_CFG) -c $$< -o $$@
$(ENG_DIR)/$(1)/%.o: $(TOP)/%.c $(ENG_HDRS)
	@mkdir -p $$(dir $$@)
	@echo "  CC($(1)) $$(notdir $$<)"; $(5) $(2) $(ENG_CFG) -c $$< -o $$@
$(ENG_DIR)/$(1)/mbedtls/%.o: $(ENG_MBED)/library/%.c $(TOP)/crypto/mbedtls_config_shroud.h
	@mkdir -p $$(dir $$@)
	@echo "  CC($(1)) $$(notdir $$<)"; $(5) $(4) $(ENG_CFG) -c $$< -o $$@
$(ENG_DIR)/$(1)/libengines.a: $(call eng_objs,$(1))
	rm -f $$@
	$(AR) rcs $$@ $$^
endef

ENG_HDRS := $(wildcard $(TOP)/base/*.h $(TOP)/prot/*.h $(TOP)/crypto/*.h $(TOP)/mm/*.h $(TOP)/base/libc/*.h)

$(eval $(call eng_rules,hv,$(ENG_HV_CFLAGS),$(ENG_HV_SIMD_CFLAGS),$(ENG_HV_MBED_CFLAGS),$(ENG_CC),))
$(eval $(call eng_rules,host,$(ENG_HOST_CFLAGS),$(ENG_HOST_CFLAGS) $(ENG_SIMD_FLAGS),-O1 -g -std=gnu11 -w $(ENG_SAN),$(ENG_CC),-DAESREG_MASTER_IN_MEMORY))
$(eval $(call eng_rules,bench,$(ENG_BENCH_CFLAGS),$(ENG_BENCH_CFLAGS) $(ENG_SIMD_FLAGS),-O2 -std=gnu11 -w,$(ENG_CC),-DAESREG_MASTER_IN_MEMORY))
$(eval $(call eng_rules,fuzz,-O1 -g -std=gnu11 $(ENG_WARN) -fsanitize=fuzzer-no-link$(comma)address$(comma)undefined -fno-sanitize-recover=all,-O1 -g -std=gnu11 $(ENG_WARN) $(ENG_SIMD_FLAGS) -fsanitize=fuzzer-no-link$(comma)address$(comma)undefined -fno-sanitize-recover=all,-O1 -std=gnu11 -w,$(ENG_CLANG),-DAESREG_MASTER_IN_MEMORY))

.PHONY: engines-hv engines-hv-check unit-engines bench-crypto bench-fault fuzz-engines
all: engines-hv
unit: unit-engines
bench: bench-crypto bench-fault
fuzz: fuzz-engines

engines-hv: $(ENGINES_HV_LIB)

# Undefined symbols the hypervisor core must provide. Anything else in
# `nm -u` means a libc or compiler-runtime call slipped into the engines.
ENG_HV_ALLOWED := memcpy memset memmove memcmp strlen arch_fpu_begin arch_fpu_end
engines-hv-check: $(ENGINES_HV_LIB)
	@nm -u $(ENGINES_HV_LIB) | awk '$$1=="U"{print $$2}' | sort -u > $(ENG_DIR)/hv/undef.txt
	@nm --defined-only $(ENGINES_HV_LIB) | awk 'NF==3{print $$3}' | sort -u > $(ENG_DIR)/hv/def.txt
	@comm -23 $(ENG_DIR)/hv/undef.txt $(ENG_DIR)/hv/def.txt > $(ENG_DIR)/hv/external.txt
	@bad=$$(grep -vxF $(foreach s,$(ENG_HV_ALLOWED),-e $(s)) $(ENG_DIR)/hv/external.txt || true); \
	if [ -n "$$bad" ]; then echo "engines-hv-check: unexpected undefined symbols:"; \
		echo "$$bad"; exit 1; fi; \
	echo "engines-hv-check: libengines.a needs only: $$(tr '\n' ' ' < $(ENG_DIR)/hv/external.txt)"

# ---- unit tests (cmocka, sanitizers) ----
ENG_TESTS := $(sort $(wildcard $(TOP)/test/unit/test_crypto_*.c \
	$(TOP)/test/unit/test_part_*.c $(TOP)/test/unit/test_policy_*.c \
	$(TOP)/test/unit/test_*engine*.c))
ENG_TEST_BINS := $(patsubst $(TOP)/test/unit/%.c,$(ENG_DIR)/tests/%,$(ENG_TESTS))

$(ENG_DIR)/tests/%: $(TOP)/test/unit/%.c $(ENG_DIR)/host/libengines.a $(ENG_HDRS) $(wildcard $(TOP)/test/unit/harness.h $(TOP)/test/unit/test_engine_sim.h)
	@mkdir -p $(dir $@)
	$(ENG_CC) $(ENG_HOST_CFLAGS) -Wno-missing-prototypes $(ENG_CFG) -I$(TOP)/test/unit \
		$< $(ENG_DIR)/host/libengines.a -lcmocka -o $@

# No key store in the register cipher's object code, and the check's
# control: the same source with one deliberate key spill must be caught.
ENG_AESREG_HV := $(ENG_DIR)/hv/crypto/aes_reg.o
$(ENG_DIR)/control/aes_reg_spill.o: $(TOP)/crypto/aes_reg.S
	@mkdir -p $(dir $@)
	$(ENG_CC) -DAESREG_CHECK_CONTROL -c $< -o $@
aes-reg-check: $(ENG_AESREG_HV) $(ENG_DIR)/control/aes_reg_spill.o
	@python3 $(TOP)/scripts/check-aes-reg.py $(ENG_AESREG_HV)
	@python3 $(TOP)/scripts/check-aes-reg.py $(ENG_DIR)/control/aes_reg_spill.o --expect-fail
.PHONY: aes-reg-check

unit-engines: $(ENG_TEST_BINS) engines-hv-check aes-reg-check
	@set -e; for t in $(ENG_TEST_BINS); do echo "== $$(basename $$t)"; \
		ASAN_OPTIONS=detect_leaks=1 $$t; done
	@echo "unit-engines: all $(words $(ENG_TEST_BINS)) test programs passed"

# ---- benchmarks ----
$(ENG_DIR)/bench/%: $(TOP)/bench/%.c $(TOP)/bench/common.h $(TOP)/test/unit/test_engine_sim.h $(ENG_DIR)/bench/libengines.a
	@mkdir -p $(dir $@)
	$(ENG_CC) $(ENG_BENCH_CFLAGS) -Wno-missing-prototypes -Wno-unused-function $(ENG_CFG) -I$(TOP)/bench -I$(TOP)/test/unit \
		$< $(ENG_DIR)/bench/libengines.a -lcrypto -o $@

bench-crypto: $(ENG_DIR)/bench/crypto_bench
	$(ENG_DIR)/bench/crypto_bench
bench-fault: $(ENG_DIR)/bench/fault_bench
	$(ENG_DIR)/bench/fault_bench

# ---- fuzzing (clang libFuzzer; not in CI) ----
FUZZ_SECONDS ?= 60
ENG_FUZZ := $(patsubst $(TOP)/test/fuzz/%.c,$(ENG_DIR)/fuzzbin/%,$(filter-out \
	%/fuzz_hypercall.c,$(wildcard $(TOP)/test/fuzz/fuzz_*.c)))
$(ENG_DIR)/fuzzbin/%: $(TOP)/test/fuzz/%.c $(TOP)/test/unit/test_engine_sim.h $(ENG_DIR)/fuzz/libengines.a
	@mkdir -p $(dir $@)
	$(ENG_CLANG) -O1 -g -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(ENG_CFG) -I$(TOP)/test/unit \
		$< $(ENG_DIR)/fuzz/libengines.a -o $@
fuzz-engines: $(ENG_FUZZ)
	@set -e; for f in $(ENG_FUZZ); do echo "== $$(basename $$f) ($(FUZZ_SECONDS) s)"; \
		mkdir -p $(ENG_DIR)/corpus/$$(basename $$f); \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$(ENG_DIR)/ \
			$(ENG_DIR)/corpus/$$(basename $$f); done
