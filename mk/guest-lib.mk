# mk/guest-lib.mk - guest-side protected memory (issue 4, items 5-8, 15):
#   $(BUILD)/guest/libshroud.a, libshroud.so, libshroud.pc   the library
#   $(BUILD)/guest/shroud-malloc.so                           LD_PRELOAD allocator
#   static guest programs (GUEST_EXTRA_PROGS, for /usr/bin of the initramfs):
#     protect-demo memscan tamper hcfuzz prompt-guard pbench dos ripjack sstep
#   extra initramfs files (GUEST_EXTRA_FILES, "SRC:DEST" pairs; shared
#   libraries they need are added by scripts/initramfs-extra.sh via ldd):
#     the two .so files, dynamic mt_test and prompt-guard-dyn, GNU ls/sort
#     and dash under /opt/gnu/bin, the sealed test prompt and its key
#   unit-guestlib   host tests where Shroud is absent (hooked into `unit`)
# Included by the top-level Makefile (TOP, BUILD defined there).

GL_DIR      := $(BUILD)/guest
GL_OBJ      := $(GL_DIR)/obj
GL_CC       ?= gcc
GL_WARN     := -Wall -Wextra -Werror
GL_CFLAGS   := -std=gnu11 -O2 $(GL_WARN) -I$(TOP)/include \
	-I$(TOP)/guest/libshroud -I$(TOP)/guest/tools
GL_PREFIX   ?= /usr/local
GL_HDRS     := $(TOP)/include/shroud/abi.h $(TOP)/guest/libshroud/shroud.h
GL_TOOLHDRS := $(GL_HDRS) $(TOP)/guest/tools/marker.h $(TOP)/guest/tools/sha256.h

LIBSHROUD_A      := $(GL_DIR)/libshroud.a
LIBSHROUD_SO     := $(GL_DIR)/libshroud.so
LIBSHROUD_PC     := $(GL_DIR)/libshroud.pc
SHROUD_MALLOC_SO := $(GL_DIR)/shroud-malloc.so
GL_SHA_O         := $(GL_OBJ)/sha256.o
PROMPT_TXT       := $(GL_DIR)/prompt.txt
PROMPT_KEY       := $(GL_DIR)/prompt.key
PROMPT_SEALED    := $(GL_DIR)/prompt.sealed
PROMPT_SEAL      := $(BUILD)/host/prompt-seal

GUEST_EXTRA_PROGS := $(addprefix $(GL_DIR)/,protect-demo memscan tamper \
	hcfuzz prompt-guard pbench xmmcheck remapcheck dos ripjack stress sstep bpfjit \
	kexectiny)
GL_DYN_PROGS := $(GL_DIR)/mt_test $(GL_DIR)/prompt-guard-dyn
GUEST_EXTRA_FILES := \
	$(SHROUD_MALLOC_SO):/usr/lib/shroud-malloc.so \
	$(LIBSHROUD_SO):/usr/lib/libshroud.so \
	$(GL_DIR)/mt_test:/usr/bin/mt_test \
	$(GL_DIR)/prompt-guard-dyn:/usr/bin/prompt-guard-dyn \
	$(PROMPT_SEALED):/usr/share/shroud/prompt.sealed \
	$(PROMPT_KEY):/usr/share/shroud/prompt.key \
	/usr/bin/ls:/opt/gnu/bin/ls \
	/usr/bin/sort:/opt/gnu/bin/sort \
	/usr/bin/dash:/opt/gnu/bin/dash
GL_OUTPUTS := $(LIBSHROUD_A) $(LIBSHROUD_SO) $(LIBSHROUD_PC) \
	$(SHROUD_MALLOC_SO) $(GUEST_EXTRA_PROGS) $(GL_DYN_PROGS) \
	$(PROMPT_SEALED)

.PHONY: guest-lib unit-guestlib
all: guest-lib
guest-lib: $(GL_OUTPUTS)
unit: unit-guestlib

$(GL_OBJ)/libshroud.o: $(TOP)/guest/libshroud/libshroud.c $(GL_HDRS)
	@mkdir -p $(@D)
	$(GL_CC) $(GL_CFLAGS) -fPIC -c $< -o $@

$(GL_SHA_O): $(TOP)/guest/tools/sha256.c $(TOP)/guest/tools/sha256.h
	@mkdir -p $(@D)
	$(GL_CC) $(GL_CFLAGS) -D_GNU_SOURCE -fPIC -c $< -o $@

$(LIBSHROUD_A): $(GL_OBJ)/libshroud.o
	rm -f $@
	ar rcs $@ $^

$(LIBSHROUD_SO): $(GL_OBJ)/libshroud.o
	$(GL_CC) -shared -Wl,-soname,libshroud.so -o $@ $^ -lpthread

$(LIBSHROUD_PC): $(TOP)/mk/guest-lib.mk
	@mkdir -p $(@D)
	printf '%s\n' 'prefix=$(GL_PREFIX)' 'libdir=$${prefix}/lib' \
		'includedir=$${prefix}/include' '' 'Name: libshroud' \
		'Description: protected memory under the Shroud hypervisor' \
		'Version: 1.1.0' 'Libs: -L$${libdir} -lshroud' \
		'Libs.private: -lpthread' 'Cflags: -I$${includedir}' > $@

# -fno-builtin: GCC must not turn malloc+memset into calloc inside calloc.
$(SHROUD_MALLOC_SO): $(TOP)/guest/shroud-malloc/shroud-malloc.c \
		$(TOP)/guest/libshroud/libshroud.c $(GL_HDRS)
	@mkdir -p $(@D)
	$(GL_CC) $(GL_CFLAGS) -fPIC -fno-builtin -shared -o $@ \
		$(TOP)/guest/shroud-malloc/shroud-malloc.c \
		$(TOP)/guest/libshroud/libshroud.c -ldl -lpthread

# Static guest programs (the initramfs has no libc of its own for them).
$(GL_DIR)/%: $(TOP)/guest/tools/%.c $(GL_TOOLHDRS) $(LIBSHROUD_A) $(GL_SHA_O)
	@mkdir -p $(@D)
	$(GL_CC) $(GL_CFLAGS) -static -o $@ $< $(GL_SHA_O) $(LIBSHROUD_A) -lpthread

$(GL_DIR)/prompt-guard: $(TOP)/guest/prompt-guard/prompt-guard.c $(GL_TOOLHDRS) \
		$(LIBSHROUD_A) $(GL_SHA_O)
	$(GL_CC) $(GL_CFLAGS) -static -o $@ $< $(GL_SHA_O) $(LIBSHROUD_A) \
		-lcrypto -lpthread 2>&1 | { grep -v 'statically linked\|in function' || true; }
	@test -x $@

$(GL_DIR)/prompt-guard-dyn: $(TOP)/guest/prompt-guard/prompt-guard.c \
		$(GL_TOOLHDRS) $(LIBSHROUD_A) $(GL_SHA_O)
	$(GL_CC) $(GL_CFLAGS) -o $@ $< $(GL_SHA_O) $(LIBSHROUD_A) -lcrypto -lpthread

$(GL_DIR)/pbench: $(TOP)/bench/inguest/pbench.c $(TOP)/bench/inguest/baseline.c \
		$(TOP)/bench/inguest/baseline.h $(GL_HDRS) $(LIBSHROUD_A)
	$(GL_CC) $(GL_CFLAGS) -I$(TOP)/bench/inguest -static -o $@ \
		$(TOP)/bench/inguest/pbench.c $(TOP)/bench/inguest/baseline.c \
		$(LIBSHROUD_A) -lcrypto -lpthread 2>&1 | \
		{ grep -v 'statically linked\|in function' || true; }
	@test -x $@

$(GL_DIR)/mt_test: $(TOP)/guest/shroud-malloc/mt_test.c
	$(GL_CC) $(GL_CFLAGS) -pthread -o $@ $<

$(PROMPT_SEAL): $(TOP)/guest/prompt-guard/prompt-seal.c
	@mkdir -p $(@D)
	$(GL_CC) $(GL_CFLAGS) -o $@ $< -lcrypto

# The plaintext prompt and key are made once and stay on the host; only
# the sealed file (and the key) go into the guest.
$(PROMPT_TXT) $(PROMPT_KEY): $(TOP)/guest/prompt-guard/mkprompt.py
	@mkdir -p $(GL_DIR)
	python3 $< $(PROMPT_TXT) $(PROMPT_KEY) 8

$(PROMPT_SEALED): $(PROMPT_SEAL) $(PROMPT_TXT) $(PROMPT_KEY)
	$(PROMPT_SEAL) $(PROMPT_KEY) $(PROMPT_TXT) $@

# Host tests: Shroud is absent here, so this checks the ENODEV paths, the
# fallback allocator under LD_PRELOAD, and the tools' control behaviour.
$(GL_DIR)/test_libshroud: $(TOP)/guest/libshroud/test_libshroud.c $(LIBSHROUD_A) $(GL_HDRS)
	$(GL_CC) $(GL_CFLAGS) -fsanitize=address,undefined -o $@ $< \
		$(TOP)/guest/libshroud/libshroud.c -lpthread

unit-guestlib: $(GL_OUTPUTS) $(GL_DIR)/test_libshroud
	$(GL_DIR)/test_libshroud
	GL_DIR=$(GL_DIR) $(TOP)/guest/shroud-malloc/host-test.sh

# In-guest benchmark (issue item 15): one Shroud boot under TCG running
# pbench, which prints each figure and its ratio to unprotected memory.
.PHONY: bench-inguest
bench: bench-inguest
bench-inguest: all
	$(PYTHON) $(TOP)/scripts/qemu.py run --cmd "pbench" --timeout 1200
