# mk/bochs-efi.mk - build/bochs-madt.efi (test/bochs-efi/madt.c): a UEFI
# application for Bochs boots with more than one CPU.  OVMF on Bochs
# publishes no ACPI tables; this one publishes a MADT of the CPUs the MP
# services protocol reports, then starts \EFI\shroud\shroud.efi.
# scripts/bochs.py (cpus > 1) puts it on the ESP as BOOTX64.EFI.  Built
# with GNU-EFI the way mk/hv.mk builds the loader (PLATFORM_NOTES.md, "A
# GNU-EFI build that works").

BOCHS_EFI_BUILD  := $(BUILD)/bochs-efi
BOCHS_EFI_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fpic -fshort-wchar \
	-mno-red-zone -mno-sse -mno-mmx -fno-stack-protector \
	-DGNU_EFI_USE_MS_ABI -I/usr/include/efi -I/usr/include/efi/x86_64 \
	-Wall -Wextra -Werror -Wmissing-prototypes -Wshadow -Wvla

$(BOCHS_EFI_BUILD)/madt.o: test/bochs-efi/madt.c
	@mkdir -p $(dir $@)
	$(CC) $(BOCHS_EFI_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bochs-madt.so: $(BOCHS_EFI_BUILD)/madt.o
	ld -nostdlib -znocombreloc -T /usr/lib/elf_x86_64_efi.lds -shared \
		-Bsymbolic -L/usr/lib /usr/lib/crt0-efi-x86_64.o $< \
		-lefi -lgnuefi -o $@

$(BUILD)/bochs-madt.efi: $(BUILD)/bochs-madt.so
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .reloc --target=efi-app-x86_64 --subsystem=10 $< $@

.PHONY: bochs-efi
bochs-efi: $(BUILD)/bochs-madt.efi
all: $(BUILD)/bochs-madt.efi

-include $(BOCHS_EFI_BUILD)/madt.d
