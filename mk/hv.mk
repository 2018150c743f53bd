# mk/hv.mk - the hypervisor: core image (linker.ld) and UEFI loader
# (GNU-EFI), giving build/shroud.efi; plus host unit tests of the
# hypervisor's plain-C parts (config parser, page-table builder, guest
# page walker, instruction-length decoder).

HV_BUILD  := $(BUILD)/hv
CC        ?= gcc
GCC_INC   := $(shell $(CC) -print-file-name=include)

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
	-Wshadow -Wvla -Wpointer-arith -Wundef -Wcast-align

HV_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie \
	-mcmodel=kernel -mno-red-zone -mno-sse -mno-mmx -mno-sse2 -mno-avx \
	-fno-stack-protector -fno-builtin -nostdinc -isystem $(GCC_INC) \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-I$(TOP) $(WARN) -Wconversion -Wsign-conversion -DSHROUD_HV=1

# The engines (crypto/, mm/ policy; mk/engines.mk) are linked in as
# libengines.a, built with the same freestanding flags.
HV_CFLAGS += $(ENGINES_HV_INCLUDES) -I$(TOP)/base/libc $(SHROUD_EXTRA_DEFS)

CORE_C := core/main.c core/header.c core/console.c core/cpuid.c \
	core/vexit.c core/smp.c \
	base/lib.c base/log.c base/panic.c \
	prot/protect.c prot/self_check.c prot/events.c prot/prot_init.c prot/hc_protect.c prot/hypercall.c \
	prot/klock.c \
	arch/x86/apic.c arch/x86/backend.c arch/x86/desc.c arch/x86/percpu.c arch/x86/fpu.c arch/x86/insn.c \
	arch/x86/mtrr.c arch/x86/vmx/ept.c \
	arch/x86/vmx/vmx.c arch/x86/vmx/vmx_exit.c arch/x86/vmx/vmx_probe.c \
	arch/x86/vmx/vmx_caps.c \
	arch/x86/svm/svm.c arch/x86/svm/svm_exit.c arch/x86/svm/svm_probe.c \
	arch/x86/svm/npt.c \
	drivers/uart16550.c \
	mm/pgtable.c mm/gpmap.c mm/frame.c mm/gmem.c mm/gpt_walk.c
CORE_S := arch/x86/entry.S arch/x86/ap_tramp.S arch/x86/dr_handoff.S arch/x86/svm/svm_asm.S \
	arch/x86/vmx/vmx_asm.S
CORE_OBJS := $(patsubst %,$(HV_BUILD)/core/%.o,$(CORE_C) $(CORE_S))

$(HV_BUILD)/core/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(HV_BUILD)/core/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -c $< -o $@

$(BUILD)/core.elf: $(CORE_OBJS) $(ENGINES_HV_LIB) linker.ld
	ld -nostdlib -static -T linker.ld --fatal-warnings -z noexecstack \
		-z max-page-size=4096 -o $@ $(CORE_OBJS) $(ENGINES_HV_LIB)

$(BUILD)/core.bin: $(BUILD)/core.elf
	objcopy -O binary $< $@

# ---- UEFI loader (GNU-EFI; PLATFORM_NOTES.md "A GNU-EFI build that works")
EFI_INC  := /usr/include/efi
LDR_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fpic -fshort-wchar \
	-mno-red-zone -mno-sse -mno-mmx -fno-stack-protector \
	-DGNU_EFI_USE_MS_ABI -DSHROUD_LOADER=1 -I$(EFI_INC) -I$(EFI_INC)/x86_64 -I$(TOP) \
	-Wall -Wextra -Werror -Wmissing-prototypes -Wshadow -Wvla
LDR_C := arch/x86/boot/loader.c arch/x86/boot/config.c arch/x86/boot/measure.c mm/pgtable.c \
	arch/x86/backend.c arch/x86/svm/svm_probe.c arch/x86/vmx/vmx_probe.c \
	arch/x86/vmx/vmx_caps.c
LDR_OBJS := $(patsubst %,$(HV_BUILD)/loader/%.o,$(LDR_C)) \
	$(HV_BUILD)/loader/launch.o $(HV_BUILD)/loader/core_blob.o

$(HV_BUILD)/loader/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(LDR_CFLAGS) -MMD -MP -c $< -o $@

$(HV_BUILD)/loader/launch.o: arch/x86/boot/launch.S
	@mkdir -p $(dir $@)
	$(CC) $(LDR_CFLAGS) -c $< -o $@

$(HV_BUILD)/loader/core_blob.o: arch/x86/boot/core_blob.S $(BUILD)/core.bin
	@mkdir -p $(dir $@)
	$(CC) $(LDR_CFLAGS) -DCORE_BIN='"$(BUILD)/core.bin"' -c $< -o $@

$(BUILD)/shroud.so: $(LDR_OBJS)
	ld -nostdlib -znocombreloc -T /usr/lib/elf_x86_64_efi.lds -shared \
		-Bsymbolic -L/usr/lib /usr/lib/crt0-efi-x86_64.o $(LDR_OBJS) \
		-lefi -lgnuefi -o $@

$(BUILD)/shroud.efi: $(BUILD)/shroud.so
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .reloc --target=efi-app-x86_64 --subsystem=10 $< $@

all: $(BUILD)/shroud.efi

-include $(shell find $(HV_BUILD) -name '*.d' 2>/dev/null)

# ---- host unit tests of the hypervisor's plain-C parts (cmocka + ASan/UBSan)
HVT_CFLAGS := -std=gnu11 -O1 -g -I$(TOP) $(WARN) \
	-fsanitize=address,undefined -fno-sanitize-recover=all
HVT_TESTS := test_config test_pgtable test_gpt_walk test_insn test_lib test_apic \
	test_vmx_caps
HVT_BINS  := $(patsubst %,$(HV_BUILD)/test/%,$(HVT_TESTS))

$(HV_BUILD)/test/test_config: test/unit/test_config.c arch/x86/boot/config.c
$(HV_BUILD)/test/test_pgtable: test/unit/test_pgtable.c mm/pgtable.c
$(HV_BUILD)/test/test_gpt_walk: test/unit/test_gpt_walk.c mm/gpt_walk.c
$(HV_BUILD)/test/test_insn: test/unit/test_insn.c arch/x86/insn.c
$(HV_BUILD)/test/test_lib: test/unit/test_lib.c base/lib.c
$(HV_BUILD)/test/test_apic: test/unit/test_apic.c arch/x86/apic.c
$(HV_BUILD)/test/test_vmx_caps: test/unit/test_vmx_caps.c arch/x86/vmx/vmx_caps.c
$(HVT_BINS):
	@mkdir -p $(dir $@)
	$(CC) $(HVT_CFLAGS) $(if $(filter %test_lib,$@),-fno-builtin -Dmemcpy=hv_memcpy -Dmemmove=hv_memmove -Dmemset=hv_memset -Dmemcmp=hv_memcmp -Dstrlen=hv_strlen -Dvsnprintf=hv_vsnprintf -Dsnprintf=hv_snprintf) \
		$^ -lcmocka -o $@

.PHONY: unit-hv
unit-hv: $(HVT_BINS)
	@set -e; for t in $(HVT_BINS); do echo "== $$t"; $$t; done

unit: unit-hv

# The control image for the key-search tests (issue 9): the same sources
# with SHROUD_KEYS_IN_RAM=1, i.e. the master and expanded partition keys in
# hypervisor memory as before keys moved into registers. Its own build
# tree; the ESP differs from esp.img only in BOOTX64.EFI.
CONTROL_KEYSRAM := $(BUILD)/control-keysram
$(CONTROL_KEYSRAM)/shroud.efi: $(CORE_C) $(CORE_S) $(LDR_C) $(wildcard $(TOP)/crypto/*.[chS] $(TOP)/prot/*.[ch] $(TOP)/core/*.[ch])
	$(MAKE) --no-print-directory BUILD=$(CONTROL_KEYSRAM) \
		SHROUD_EXTRA_DEFS=-DSHROUD_KEYS_IN_RAM=1 $@
$(BUILD)/esp-keysram.img: $(TOP)/scripts/mkesp.sh $(CONTROL_KEYSRAM)/shroud.efi $(GUEST_KERNEL) $(INITRAMFS)
	$(TOP)/scripts/mkesp.sh $@ $(CONTROL_KEYSRAM)/shroud.efi $(GUEST_KERNEL) $(INITRAMFS)
.PHONY: control-keysram
control-keysram: $(BUILD)/esp-keysram.img

# Relative-name alias, so that `make build/shroud.efi` works too.
build/shroud.efi: $(BUILD)/shroud.efi ;

# Layering and vendor-name rules (docs/ARCHITECTURE.md).
.PHONY: check-layers
check-layers:
	@$(TOP)/scripts/check-layers.sh
unit: check-layers
