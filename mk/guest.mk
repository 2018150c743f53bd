# mk/guest.mk - the guest side: shroudctl, the initramfs, the ESP image,
# QEMU integration tests and the boot benchmark.
#   $(BUILD)/guest/shroudctl     static guest tool
#   $(BUILD)/initramfs.cpio.gz   busybox + /init + guest programs
#   $(BUILD)/esp.img             FAT ESP: BOOTX64.EFI = shroud.efi, kernel, initrd, shroud.cfg
GUEST_CC      ?= gcc
GUEST_CFLAGS  := -static -O2 -Wall -Wextra -Werror -std=gnu11 -I$(TOP)/include
GUEST_PROGS   := $(BUILD)/guest/shroudctl
GUEST_KERNEL  := $(TP)/linux/vmlinuz
INITRAMFS     := $(BUILD)/initramfs.cpio.gz
ESP_IMG       := $(BUILD)/esp.img
# The integration tests and the benchmark need pytest; $(PYTHON) may be a
# python without Debian's python3-pytest (e.g. a pyenv shim), so fall back
# to the system interpreter.
TEST_PYTHON    = $(shell for p in $(PYTHON) /usr/bin/python3; do \
		   $$p -c 'import pytest' 2>/dev/null && { echo $$p; break; }; done)
INTEGRATION_TIMEOUT ?= 4200
BENCH_RUNS    ?= 3

.PHONY: guest initramfs esp
all: guest initramfs esp
guest: $(GUEST_PROGS)
initramfs: $(INITRAMFS)
esp: $(ESP_IMG)

# shroudctl's list/stats/events come from libshroud (mk/guest-lib.mk).
$(BUILD)/guest/shroudctl: $(TOP)/guest/shroudctl.c $(TOP)/guest/shroudctl-ext.c \
		$(TOP)/include/shroud/abi.h $(LIBSHROUD_A)
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -I$(TOP)/guest -o $@ $< $(LIBSHROUD_A)

# GUEST_EXTRA_PROGS / GUEST_EXTRA_FILES: the protected-memory programs,
# libraries and test data of mk/guest-lib.mk (files with their ldd deps).
$(INITRAMFS): $(TOP)/scripts/mkinitramfs.sh $(TOP)/scripts/initramfs-extra.sh \
		$(wildcard $(TOP)/guest/rootfs/*) $(GUEST_PROGS) \
		$(GUEST_EXTRA_PROGS) $(foreach f,$(GUEST_EXTRA_FILES),$(firstword $(subst :, ,$(f))))
	@mkdir -p $(@D)
	INITRAMFS_EXTRA="$(GUEST_EXTRA_FILES)" \
		$(TOP)/scripts/mkinitramfs.sh $@ $(GUEST_PROGS) $(GUEST_EXTRA_PROGS)

$(ESP_IMG): $(TOP)/scripts/mkesp.sh $(BUILD)/shroud.efi $(GUEST_KERNEL) $(INITRAMFS)
	$(TOP)/scripts/mkesp.sh $@ $(BUILD)/shroud.efi $(GUEST_KERNEL) $(INITRAMFS)

# Real QEMU boots (TCG): each boot is bounded by the runner's own timeouts,
# the whole run by `timeout`, which kills pytest (its fixtures then kill
# QEMU and swtpm; the runner's atexit/signal handlers do the same).
integration: all $(BUILD)/esp-keysram.img
	@test -n "$(TEST_PYTHON)" || { echo "integration: no python with pytest" >&2; exit 1; }
	timeout -k 30 $(INTEGRATION_TIMEOUT) $(TEST_PYTHON) -m pytest -v -p no:cacheprovider $(TOP)/test/integration

bench-boot: all
	$(TEST_PYTHON) $(TOP)/bench/boot.py --runs $(BENCH_RUNS)

# SMP figures (issue 11): boot with 2 CPUs, 2-thread SHA-256 and sort on
# protected memory vs not, cross-CPU shootdowns; one run, side by side.
.PHONY: bench-smp
bench: bench-smp
bench-smp: all
	$(TEST_PYTHON) $(TOP)/bench/smp.py --runs $(BENCH_RUNS)

# The kernel-integrity lock's cost: locked vs unlocked boots, interleaved.
.PHONY: bench-klock
bench-klock: all
	$(TEST_PYTHON) $(TOP)/bench/klock.py --runs $(BENCH_RUNS)

# hcfuzz at 10^6 calls in one bounded boot (a benchmark-style run, not part
# of `make test`, which runs 10^4): prints the fuzzer's summary, its calls
# per second, and the hypervisor's counters.  FUZZ_GUEST_CALLS, _TIMEOUT.
FUZZ_GUEST_CALLS   ?= 1000000
FUZZ_GUEST_TIMEOUT ?= 3600
.PHONY: fuzz-guest
fuzz-guest: setup all
	$(PYTHON) $(TOP)/scripts/qemu.py run --timeout $(FUZZ_GUEST_TIMEOUT) \
		--cmd 't0=$$(date +%s); hcfuzz --calls $(FUZZ_GUEST_CALLS) --seed $$t0; \
		echo "fuzz-guest: $$(( $(FUZZ_GUEST_CALLS) / ($$(date +%s) - t0 + 1) )) calls/s"; shroudctl stats'
