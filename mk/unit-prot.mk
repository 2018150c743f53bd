# mk/unit-prot.mk - host unit tests (cmocka, ASan+UBSan) of the protection
# layer's hypercalls and of the guest-physical map:
#   test_hypercall  prot/ hypercalls, faults and owner switches over a fake
#                   guest (mm/gmem, gpt_walk, gpmap, pgtable, frame, base/log),
#                   linked with the host engines (libengines.a)
#   test_gpmap      mm/gpmap.c over a fake memory, an NPT-like format and the real
#                   EPT format (arch/x86/vmx/ept.c) with MTRR memory types
# The hypervisor sources are compiled as objects with the engines' host flags
# (all warnings, sanitizers); the tests with -Wno-missing-prototypes as the
# engines' tests are.  `make unit-prot` runs them; `make unit` too.
# Included after engines.mk and hv.mk (ENG_*, HV_BUILD defined there).

UPROT_DIR    := $(BUILD)/hv/test
UPROT_OBJDIR := $(UPROT_DIR)/prot-obj
UPROT_CFLAGS := $(ENG_HOST_CFLAGS) $(ENG_CFG) -I$(TOP)
UPROT_HDRS   := $(ENG_HDRS) $(wildcard $(TOP)/include/shroud/*.h \
	$(TOP)/arch/x86/boot/bootinfo.h $(TOP)/test/unit/harness.h \
	$(TOP)/test/unit/fake_guest.h)

UPROT_HC_SRCS := prot/hypercall.c prot/hc_protect.c prot/protect.c prot/self_check.c prot/events.c prot/klock.c \
	prot/prot_init.c mm/gmem.c mm/gpmap.c mm/pgtable.c mm/frame.c \
	mm/gpt_walk.c base/log.c
UPROT_GPMAP_SRCS := mm/gpmap.c mm/pgtable.c arch/x86/mtrr.c arch/x86/vmx/ept.c
uprot_objs = $(patsubst %.c,$(UPROT_OBJDIR)/%.o,$(1))

$(UPROT_OBJDIR)/%.o: $(TOP)/%.c $(UPROT_HDRS)
	@mkdir -p $(dir $@)
	$(ENG_CC) $(UPROT_CFLAGS) -c $< -o $@

$(UPROT_DIR)/test_hypercall: $(TOP)/test/unit/test_hypercall.c \
		$(call uprot_objs,$(UPROT_HC_SRCS)) $(ENG_DIR)/host/libengines.a $(UPROT_HDRS)
	@mkdir -p $(dir $@)
	$(ENG_CC) $(UPROT_CFLAGS) -Wno-missing-prototypes -I$(TOP)/test/unit $< \
		$(call uprot_objs,$(UPROT_HC_SRCS)) $(ENG_DIR)/host/libengines.a \
		-lcmocka -o $@

$(UPROT_DIR)/test_gpmap: $(TOP)/test/unit/test_gpmap.c \
		$(call uprot_objs,$(UPROT_GPMAP_SRCS)) $(UPROT_HDRS)
	@mkdir -p $(dir $@)
	$(ENG_CC) $(UPROT_CFLAGS) -Wno-missing-prototypes -I$(TOP)/test/unit $< \
		$(call uprot_objs,$(UPROT_GPMAP_SRCS)) -lcmocka -o $@

UPROT_BINS := $(UPROT_DIR)/test_hypercall $(UPROT_DIR)/test_gpmap

.PHONY: unit-prot
unit-prot: $(UPROT_BINS)
	@set -e; for t in $(UPROT_BINS); do echo "== $$(basename $$t)"; \
		ASAN_OPTIONS=detect_leaks=1 $$t; done
	@echo "unit-prot: all $(words $(UPROT_BINS)) test programs passed"

unit: unit-prot

# ---- libFuzzer harness of the protection layer (clang; test/fuzz/) ----
# fuzz_hypercall: hypercalls, faults, owner switches over the fake guest,
# linked with the engines' fuzz build.  `make fuzz` runs it with the
# engines' harnesses; `make fuzz-ci` runs all three for FUZZ_CI_SECONDS.
UPROT_FUZZ_OBJDIR := $(UPROT_DIR)/prot-fuzz-obj
UPROT_FUZZ_CFLAGS := -O1 -g -std=gnu11 $(ENG_WARN) \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all $(ENG_CFG) -I$(TOP)
UPROT_FUZZ_BIN := $(ENG_DIR)/fuzzbin/fuzz_hypercall
# Inputs are records of 24 bytes: start at full length (no slow ramp).
UPROT_FUZZ_OPTS := -len_control=0 -max_len=1536

$(UPROT_FUZZ_OBJDIR)/%.o: $(TOP)/%.c $(UPROT_HDRS)
	@mkdir -p $(dir $@)
	$(ENG_CLANG) $(UPROT_FUZZ_CFLAGS) -c $< -o $@

$(UPROT_FUZZ_BIN): $(TOP)/test/fuzz/fuzz_hypercall.c \
		$(patsubst %.c,$(UPROT_FUZZ_OBJDIR)/%.o,$(UPROT_HC_SRCS)) \
		$(ENG_DIR)/fuzz/libengines.a $(UPROT_HDRS)
	@mkdir -p $(dir $@)
	$(ENG_CLANG) -O1 -g -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$(ENG_CFG) -I$(TOP) -I$(TOP)/test/unit $< \
		$(patsubst %.c,$(UPROT_FUZZ_OBJDIR)/%.o,$(UPROT_HC_SRCS)) \
		$(ENG_DIR)/fuzz/libengines.a -o $@

.PHONY: fuzz-prot fuzz-ci
fuzz-prot: $(UPROT_FUZZ_BIN)
	@mkdir -p $(ENG_DIR)/corpus/fuzz_hypercall
	$(UPROT_FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(UPROT_FUZZ_OPTS) \
		-artifact_prefix=$(ENG_DIR)/ -rss_limit_mb=4096 \
		$(ENG_DIR)/corpus/fuzz_hypercall
fuzz: fuzz-prot

# CI: every harness for a bounded time (the hypercall layer, the partition
# map, the policy), each from an empty corpus (the hypercall harness also
# replays test/fuzz/regress/, inputs that failed an older tree); a crash
# fails the run.
FUZZ_CI_SECONDS ?= 60
fuzz-ci: $(ENG_FUZZ) $(UPROT_FUZZ_BIN)
	@set -e; for f in $(ENG_FUZZ) $(UPROT_FUZZ_BIN); do \
		d=$(ENG_DIR)/corpus-ci/$$(basename $$f); rm -rf $$d; mkdir -p $$d; \
		echo "== $$(basename $$f) ($(FUZZ_CI_SECONDS) s)"; \
		rc=0; $$f -max_total_time=$(FUZZ_CI_SECONDS) -rss_limit_mb=4096 \
			$$(case $$f in *hypercall) echo "$(UPROT_FUZZ_OPTS)";; esac) \
			-print_final_stats=1 -artifact_prefix=$(ENG_DIR)/ $$d \
			$$(case $$f in *hypercall) echo "$(TOP)/test/fuzz/regress";; esac) \
			> $$d.log 2>&1 || rc=$$?; \
		grep -E '^(Done|stat::number_of_executed_units|SUMMARY)|ERROR|abort|stopped|lost' $$d.log | tail -6; \
		if [ $$rc -ne 0 ]; then echo "fuzz-ci: $$(basename $$f) failed (rc $$rc), log $$d.log"; exit 1; fi; \
	done
	@echo "fuzz-ci: all harnesses ran clean"
