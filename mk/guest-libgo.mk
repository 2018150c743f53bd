# mk/guest-libgo.mk - the Go side of the guest (issue 12): the package
# guest/go/shroud and the seed's server rebuilt on it.
#   $(BUILD)/guest/prompt-server   static (CGO_ENABLED=0), into /usr/bin
#   unit-go   `go test` of the package and the server's analysis on the
#             host (Shroud absent: the ENODEV paths, the buffer logic, the
#             sealed format), and the check that shroud/zabi.go is what
#             include/shroud/abi.h gives (hooked into `unit`)
# Debian's golang-go (1.19) and the standard library only: no module
# proxy, nothing downloaded (GOPROXY=off, GOFLAGS=-mod=mod with no
# requirements).  Included after mk/guest-lib.mk (GL_DIR, the extra
# programs list) and before mk/guest.mk (which packs them).

GO          ?= go
GO_DIR      := $(TOP)/guest/go
GO_ENV      := GOCACHE=$(BUILD)/go/cache GOPATH=$(BUILD)/go/path GOPROXY=off \
	GOFLAGS=-mod=mod GO111MODULE=on GOTOOLCHAIN=local CGO_ENABLED=0
GO_SRCS     := $(GO_DIR)/go.mod $(wildcard $(GO_DIR)/shroud/*.go $(GO_DIR)/shroud/*.s \
	$(GO_DIR)/cmd/prompt-server/*.go)
PROMPT_SERVER := $(GL_DIR)/prompt-server

GUEST_EXTRA_PROGS += $(PROMPT_SERVER) $(TOP)/guest/tools/scan-memory-simple.sh \
	$(TOP)/guest/tools/goserver-bench.sh $(TOP)/guest/tools/smoke.sh

.PHONY: unit-go
all: $(PROMPT_SERVER)
unit: unit-go

$(PROMPT_SERVER): $(GO_SRCS)
	@mkdir -p $(@D)
	cd $(GO_DIR) && $(GO_ENV) $(GO) build -trimpath -ldflags='-s -w' \
		-o $@ ./cmd/prompt-server

unit-go: $(GO_SRCS)
	$(PYTHON) $(TOP)/scripts/gen-go-abi.py --check $(TOP)/include/shroud/abi.h \
		$(GO_DIR)/shroud/zabi.go
	cd $(GO_DIR) && $(GO_ENV) $(GO) vet ./...
	cd $(GO_DIR) && $(GO_ENV) $(GO) test -count=1 ./...

# The Go server's cost (issue 12 item 5): one TCG boot, protected and
# unprotected servers side by side (guest/tools/goserver-bench.sh).
# GOBENCH_ARGS: clients, seconds per run, rounds.
GOBENCH_ARGS ?= 4 5 3
.PHONY: bench-goserver
bench: bench-goserver
bench-goserver: all
	$(PYTHON) $(TOP)/scripts/qemu.py run --timeout 1200 \
		--cmd "goserver-bench.sh $(GOBENCH_ARGS)"
