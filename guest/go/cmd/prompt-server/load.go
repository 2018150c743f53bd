package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"

	"shroud/shroud"
)

func listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// Result is one load run's figures.
type Result struct {
	Requests, Errors int
	Seconds          float64
	RPS              float64
	P50, P90, P99    time.Duration
	Faults           uint64 // nested page faults in the run (0 outside Shroud)
	FaultsKnown      bool
}

func (r Result) String() string {
	s := fmt.Sprintf("requests=%d errors=%d seconds=%.2f rps=%.1f p50_us=%d p90_us=%d p99_us=%d",
		r.Requests, r.Errors, r.Seconds, r.RPS, r.P50.Microseconds(),
		r.P90.Microseconds(), r.P99.Microseconds())
	if r.FaultsKnown && r.Requests > 0 {
		s += fmt.Sprintf(" npf_per_req=%.3f", float64(r.Faults)/float64(r.Requests))
	}
	return s
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[int(p*float64(len(d)-1))]
}

// runLoad hits url with c clients for d; each client reuses its
// connection (HTTP keep-alive) and reads every answer whole.
func runLoad(url string, c int, d time.Duration) Result {
	tr := &http.Transport{MaxIdleConnsPerHost: c}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	before, serr := shroud.GetStats()
	var mu sync.Mutex
	var lat []time.Duration
	var res Result
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			errs := 0
			for time.Now().Before(end) {
				t0 := time.Now()
				resp, err := client.Get(url)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					errs++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			res.Errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	after, aerr := shroud.GetStats()
	if serr == nil && aerr == nil {
		res.Faults, res.FaultsKnown = after.Faults-before.Faults, true
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res.Requests = len(lat)
	res.RPS = float64(res.Requests) / res.Seconds
	res.P50, res.P90, res.P99 = percentile(lat, .50), percentile(lat, .90), percentile(lat, .99)
	return res
}

func loadFlags(name string) (*flag.FlagSet, *int, *time.Duration) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = usage
	c := fs.Int("c", 4, "concurrent clients")
	d := fs.Duration("d", 10*time.Second, "duration of a run")
	return fs, c, d
}

func loadMain(args []string) int {
	fs, c, d := loadFlags("load")
	if fs.Parse(args) != nil || fs.NArg() != 1 || *c < 1 {
		usage()
	}
	r := runLoad(fs.Arg(0), *c, *d)
	fmt.Printf("load: url=%s clients=%d %s\n", fs.Arg(0), *c, r)
	if r.Requests == 0 {
		return 1
	}
	return 0
}

func benchMain(args []string) int {
	fs, c, d := loadFlags("bench")
	rounds := fs.Int("rounds", 3, "interleaved rounds")
	if fs.Parse(args) != nil || fs.NArg() != 2 || *c < 1 || *rounds < 1 {
		usage()
	}
	a, b := fs.Arg(0), fs.Arg(1)
	var ra, rb []Result
	for i := 0; i < *rounds; i++ {
		x := runLoad(a, *c, *d)
		fmt.Printf("bench: round=%d url=%s %s\n", i, a, x)
		y := runLoad(b, *c, *d)
		fmt.Printf("bench: round=%d url=%s %s\n", i, b, y)
		ra, rb = append(ra, x), append(rb, y)
	}
	sum := func(rs []Result) (rps float64, p50, p99 time.Duration, npf float64, errs int) {
		var req int
		var faults uint64
		for _, r := range rs {
			rps += r.RPS / float64(len(rs))
			p50 += r.P50 / time.Duration(len(rs))
			p99 += r.P99 / time.Duration(len(rs))
			req += r.Requests
			faults += r.Faults
			errs += r.Errors
		}
		if req > 0 {
			npf = float64(faults) / float64(req)
		}
		return
	}
	arps, ap50, ap99, anpf, aerr := sum(ra)
	brps, bp50, bp99, bnpf, berr := sum(rb)
	fmt.Printf("bench: A=%s rps=%.1f p50_us=%d p99_us=%d npf_per_req=%.3f errors=%d\n",
		a, arps, ap50.Microseconds(), ap99.Microseconds(), anpf, aerr)
	fmt.Printf("bench: B=%s rps=%.1f p50_us=%d p99_us=%d npf_per_req=%.3f errors=%d\n",
		b, brps, bp50.Microseconds(), bp99.Microseconds(), bnpf, berr)
	if brps > 0 {
		fmt.Printf("bench: ratio A/B rps=%.3f p50=%.3f\n", arps/brps,
			float64(ap50)/float64(bp50))
	}
	if aerr+berr > 0 {
		fmt.Fprintln(os.Stderr, "bench: requests failed")
		return 1
	}
	return 0
}

func getMain(args []string) int {
	fs := flag.NewFlagSet("get", flag.ContinueOnError)
	fs.Usage = usage
	wait := fs.Duration("wait", 60*time.Second, "how long to retry a refused connection")
	if fs.Parse(args) != nil || fs.NArg() != 1 {
		usage()
	}
	client := &http.Client{Timeout: 30 * time.Second}
	deadline := time.Now().Add(*wait)
	for {
		resp, err := client.Get(fs.Arg(0))
		if err == nil {
			_, err = io.Copy(os.Stdout, resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				fmt.Fprintf(os.Stderr, "get: %s: status %d %v\n", fs.Arg(0), resp.StatusCode, err)
				return 1
			}
			return 0
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "get: %v\n", err)
			return 1
		}
		time.Sleep(50 * time.Millisecond)
	}
}
