# Shroud top-level Makefile.
#   make            build build/shroud.efi, the guest programs and the initramfs
#   make run        set up, build, boot QEMU with Shroud (CMD='...' runs one command,
#                   HARDENED=1 the hardened guest profile, CPUS=N QEMU's CPUs)
#   make test       set up, build, host unit tests, QEMU integration tests
#   make bench      host benchmarks (crypto, fault path)
#   make bench-boot boot time under Shroud vs without, interleaved
#   make bench-klock the kernel lock's cost: locked vs unlocked boots
#   make fuzz       bounded libFuzzer runs, FUZZ_SECONDS each (not in `make test`)
#   make fuzz-ci    every libFuzzer harness for FUZZ_CI_SECONDS (part of `make test`)
#   make fuzz-guest hcfuzz at 10^6 hypercalls in one bounded boot
# Each area keeps its rules in mk/*.mk; this file only ties them together.

TOP      := $(abspath .)
BUILD    := $(TOP)/build
TP       := $(TOP)/third_party
PYTHON   ?= python3
SETUP_STAMP := $(BUILD)/.setup-done

.PHONY: all setup test unit integration run bench bench-boot fuzz fuzz-ci fuzz-guest clean
all:

# setup runs on every `make test`/`make run`; it is idempotent and fast once done.
setup:
	@$(TOP)/scripts/setup.sh

include $(sort $(wildcard mk/*.mk))

test: setup
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) fuzz-ci
	$(MAKE) integration

# CMD reaches the runner through the environment, so any quoting survives.
# HARDENED=1 boots the hardened guest profile (shroud.cfg hardened = yes).
# CPUS=N gives QEMU N CPUs (default 2, multi-threaded TCG); every CPU runs
# the guest under the hypervisor.
# VMX=1 boots in Bochs instead (scripts/bochs.py, cpu model
# corei7_skylake_x): Shroud's VT-x backend; one CPU (CPUS=N: N, through
# build/bochs-madt.efi, which gives Linux a MADT), console output only
# (CMD runs, then Bochs is killed), about two minutes to init.
export CMD HARDENED CPUS VMX
run: setup
	$(MAKE) all
	@if [ "$$VMX" = 1 ]; then \
		$(PYTHON) $(TOP)/scripts/bochs.py run --model corei7_skylake_x \
			$${CMD:+--cmd "$$CMD"} $${CPUS:+--cpus "$$CPUS"} \
			$$([ "$$HARDENED" = 1 ] && echo --set hardened=yes); \
	else \
		$(PYTHON) $(TOP)/scripts/qemu.py run $${CMD:+--cmd "$$CMD"} \
			$$([ "$$HARDENED" = 1 ] && echo --set hardened=yes) \
			$${CPUS:+--cpus "$$CPUS"}; \
	fi

clean:
	rm -rf $(BUILD)
