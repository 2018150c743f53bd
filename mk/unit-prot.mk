# mk/unit-prot.mk - host unit tests (cmocka, ASan+UBSan) of the protection
# layer's hypercalls and of the guest-physical map:
#   test_hypercall  prot/ hypercalls, faults and owner switches over a fake
#                   guest (mm/gmem, gpt_walk, gpmap, pgtable, frame, base/log),
#                   linked with the host engines (libengines.a)
#   test_gpmap      mm/gpmap.c over a fake memory, NPT-like and EPT-like formats
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

UPROT_HC_SRCS := prot/hypercall.c prot/hc_protect.c prot/protect.c \
	prot/prot_init.c mm/gmem.c mm/gpmap.c mm/pgtable.c mm/frame.c \
	mm/gpt_walk.c base/log.c
UPROT_GPMAP_SRCS := mm/gpmap.c mm/pgtable.c
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
