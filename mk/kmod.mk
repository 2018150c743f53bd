# mk/kmod.mk - the guest test module guest/kmod/shroudkm.ko (ring-0 probes
# of the hypervisor's intercepts: APIC base, XSETBV, INVD; see
# test/integration/test_intercepts.py), built out of tree against the
# Debian headers of the guest kernel (scripts/setup.sh installs
# linux-headers-X for third_party/linux/VERSION = linux-image-X):
#   $(BUILD)/kmod/shroudkm.ko   in the initramfs as /lib/shroudkm.ko
# The sources are copied to $(BUILD)/kmod and built there (M=), so that
# kbuild's products never land in guest/kmod.
# Included by the top-level Makefile after mk/guest.mk (TOP, BUILD, TP,
# INITRAMFS, GUEST_EXTRA_FILES defined there or in mk/guest-lib.mk).

KMOD_KVER  := $(shell sed -n \
	's/^linux-image-//p' $(TP)/linux/VERSION 2>/dev/null)
KMOD_KDIR  ?= /usr/src/linux-headers-$(KMOD_KVER)
KMOD_DIR   := $(BUILD)/kmod
KMOD_SRCS  := $(TOP)/guest/kmod/Kbuild $(TOP)/guest/kmod/shroudkm.c
KMOD_KO    := $(KMOD_DIR)/shroudkm.ko

.PHONY: kmod
all: kmod
kmod: $(KMOD_KO)

# kbuild compiles with the kernel's own settings (gcc-12, as its .config
# records); do not pass CC= or similar on the top-level command line.
$(KMOD_KO): $(KMOD_SRCS) $(TOP)/mk/kmod.mk
	@test -n "$(KMOD_KVER)" || { echo "kmod: no $(TP)/linux/VERSION:" \
		"run scripts/setup.sh" >&2; exit 1; }
	@test -f "$(KMOD_KDIR)/Makefile" || { echo "kmod: no $(KMOD_KDIR):" \
		"run scripts/setup.sh" >&2; exit 1; }
	@mkdir -p $(KMOD_DIR)
	cp $(KMOD_SRCS) $(KMOD_DIR)/
	$(MAKE) -s -C $(KMOD_KDIR) M=$(KMOD_DIR) modules
	@test -f $@

# Into the initramfs.  mk/guest.mk expanded the prerequisites of its
# initramfs rule when it was read, before this file, so the .ko is added
# to them here; its recipe reads GUEST_EXTRA_FILES when it runs.
GUEST_EXTRA_FILES += $(KMOD_KO):/lib/shroudkm.ko
$(INITRAMFS): $(KMOD_KO)
