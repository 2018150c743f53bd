// Command prompt-server is the seed scenario in Go: an HTTP server that
// holds a secret AI prompt and analyses it on every request, with the
// prompt in Shroud-protected memory from the moment it is decrypted.
//
//	prompt-server [-addr HOST:PORT] [-key-file F] [-no-protect] [-ws N]
//	              [-integrity] [-policy owner-user|owner] [SEALED]
//	prompt-server load [-c N] [-d DURATION] URL
//	prompt-server bench [-c N] [-d DURATION] [-rounds R] URL_A URL_B
//	prompt-server get [-wait DURATION] URL
//
// Serving: SEALED (default /usr/share/shroud/prompt.sealed, the format of
// shroud.OpenSealed) is decrypted with the key in -key-file straight into
// a protected buffer; GET /data computes the figures on those bytes in
// place and answers "ok"; /healthz answers "ok"; /stats answers JSON with
// the request and mismatch counts (a /data whose figures differ from the
// first computation is a mismatch: a protected byte lost or altered).
// Lines on stdout:
//
//	prompt-server: bytes=B chars=C ... fnv1a=HEX
//	prompt-server: pid=P addr=0xA len=N protected=yes|no policy=P ws=W partitions=ID,...
//	prompt-server: listening on ADDR
//
// SIGTERM or SIGINT wipe the prompt, give the memory back and exit 0.
// -no-protect (= SHROUD_DISABLE=1) is the control run: the same memory,
// not protected.
//
// load hits URL with N concurrent clients for DURATION and prints one
// line: requests, errors, req/s, latency percentiles and, under Shroud,
// nested page faults per request.  bench interleaves load runs on two
// URLs (A, B, A, B, ...) and prints each figure side by side with the
// ratio A/B.  get prints URL's answer, retrying a refused connection for
// up to -wait (default 60s: a server just started), for scripts.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"

	"shroud/shroud"
)

func usage() {
	fmt.Fprintln(os.Stderr, "usage: prompt-server [-addr HOST:PORT] [-key-file F] [-no-protect] "+
		"[-ws N] [-integrity] [-policy owner-user|owner] [SEALED]\n"+
		"       prompt-server load [-c N] [-d DURATION] URL\n"+
		"       prompt-server bench [-c N] [-d DURATION] [-rounds R] URL_A URL_B\n"+
		"       prompt-server get [-wait DURATION] URL")
	os.Exit(2)
}

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "load":
			os.Exit(loadMain(os.Args[2:]))
		case "bench":
			os.Exit(benchMain(os.Args[2:]))
		case "get":
			os.Exit(getMain(os.Args[2:]))
		}
	}
	os.Exit(serveMain(os.Args[1:]))
}

func fail(format string, a ...interface{}) int {
	fmt.Fprintf(os.Stderr, "prompt-server: "+format+"\n", a...)
	return 1
}

// loadPrompt reads the key and the sealed file and unseals the prompt
// into a protected buffer; the key's copies are wiped.
func loadPrompt(sealedPath, keyPath string, o shroud.Options) (*shroud.Buffer, error) {
	raw, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, err
	}
	key, err := shroud.ParseKey(raw)
	for i := range raw {
		raw[i] = 0
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyPath, err)
	}
	defer func() {
		for i := range key {
			key[i] = 0
		}
	}()
	blob, err := os.ReadFile(sealedPath) // ciphertext: the heap may hold it
	if err != nil {
		return nil, err
	}
	buf, err := shroud.OpenSealed(blob, key, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sealedPath, err)
	}
	return buf, nil
}

type server struct {
	buf        *shroud.Buffer
	want       Figures
	requests   atomic.Uint64
	mismatches atomic.Uint64
}

func (s *server) data(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if Analyse(s.buf.Bytes()) != s.want {
		s.mismatches.Add(1)
		http.Error(w, "mismatch", http.StatusInternalServerError)
		return
	}
	w.Write([]byte("ok\n"))
}

func (s *server) stats(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]interface{}{
		"requests":   s.requests.Load(),
		"mismatches": s.mismatches.Load(),
		"protected":  s.buf.Protected(),
		"figures":    s.want.String(),
		"gc_cycles":  gcCycles(),
	})
}

// gcCycles is the number of completed garbage collections: the tests
// check that the collector ran while the prompt was scanned.
func gcCycles() uint32 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.NumGC
}

func serveMain(args []string) int {
	fs := flag.NewFlagSet("prompt-server", flag.ContinueOnError)
	fs.Usage = usage
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	keyFile := fs.String("key-file", "/usr/share/shroud/prompt.key", "AES-256 key, 64 hex digits")
	noProtect := fs.Bool("no-protect", false, "control run: SHROUD_DISABLE=1")
	ws := fs.Int("ws", 0, "clear working set in frames (0: the hypervisor's default)")
	integrity := fs.Bool("integrity", false, "AES-GCM per frame")
	policy := fs.String("policy", "owner-user", "owner-user or owner")
	if fs.Parse(args) != nil || fs.NArg() > 1 {
		usage()
	}
	sealed := "/usr/share/shroud/prompt.sealed"
	if fs.NArg() == 1 {
		sealed = fs.Arg(0)
	}
	o := shroud.Options{WorkingSet: *ws, Integrity: *integrity}
	switch *policy {
	case "owner-user":
		o.Policy = shroud.POLICY_OWNER_USER
	case "owner":
		o.Policy = shroud.POLICY_OWNER
	default:
		usage()
	}
	if *noProtect {
		os.Setenv("SHROUD_DISABLE", "1")
	}
	buf, err := loadPrompt(sealed, *keyFile, o)
	if err != nil {
		return fail("%v", err)
	}
	s := &server{buf: buf, want: Analyse(buf.Bytes())}
	prot := "no"
	if buf.Protected() {
		prot = "yes"
	}
	ids := make([]string, 0, 1)
	for _, id := range buf.IDs() {
		ids = append(ids, fmt.Sprint(id))
	}
	fmt.Printf("prompt-server: %s\n", s.want)
	fmt.Printf("prompt-server: pid=%d addr=%#x len=%d protected=%s policy=%s ws=%d partitions=%s\n",
		os.Getpid(), buf.Addr(), buf.Size(), prot, *policy, *ws, strings.Join(ids, ","))

	mux := http.NewServeMux()
	mux.HandleFunc("/data", s.data)
	mux.HandleFunc("/stats", s.stats)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	srv := &http.Server{Addr: *addr, Handler: mux}
	ln, err := listen(*addr)
	if err != nil {
		buf.Destroy()
		return fail("listen %s: %v", *addr, err)
	}
	fmt.Printf("prompt-server: listening on %s\n", ln.Addr())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case <-sig:
		srv.Shutdown(context.Background())
	case err = <-done:
	}
	derr := buf.Destroy()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail("serve: %v", err)
	}
	if derr != nil {
		return fail("%v", derr)
	}
	fmt.Printf("prompt-server: stopped after %d requests, %d mismatches\n",
		s.requests.Load(), s.mismatches.Load())
	return 0
}
