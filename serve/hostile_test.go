package serve

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestHostileRequests sends 1,000 hostile requests — oversized bodies,
// malformed JSON, garbage signatures, truncated bodies and slowloris
// connections — and checks that every one gets a 4xx answer (or is
// dropped, for slowloris), that the service still works, and that its
// goroutines and heap come back to the baseline.
func TestHostileRequests(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.MaxBody = 128 << 10
		c.MaxConcurrent = 4
		c.ReadHeaderTimeout = 3 * time.Second // generous: a starved test machine must not look like slowloris
	})
	content, sig := f.letter(t)
	// A new connection per request: the server closes connections after
	// some refusals, and a client reusing one would fail on its own.
	tr := &http.Transport{DisableKeepAlives: true}
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	addr := f.base[len("http://"):]

	settle := func() (int, uint64) {
		tr.CloseIdleConnections()
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return runtime.NumGoroutine(), ms.HeapAlloc
	}
	// Warm up (caches, pools), then take the baseline.
	f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: sig}, nil)
	time.Sleep(100 * time.Millisecond)
	baseG, baseHeap := settle()

	garbage := func(n int) []byte {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return b
	}
	kinds := []func(i int) (int, error){
		// oversized: answered 413, or the connection is cut while the
		// client is still sending (the server stops reading at the limit)
		func(int) (int, error) {
			code, err := post(hc, f.base+"/v1/verify", append([]byte(`{"signature":"`), bytes.Repeat([]byte("A"), 200<<10)...))
			if err != nil && (errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)) {
				return http.StatusRequestEntityTooLarge, nil
			}
			return code, err
		},
		// malformed JSON
		func(int) (int, error) { return post(hc, f.base+"/v1/verify", garbage(200)) },
		// garbage signature, well-formed JSON
		func(int) (int, error) {
			return post(hc, f.base+"/v1/verify", []byte(`{"signature":"`+base64.StdEncoding.EncodeToString(garbage(3000))+`"}`))
		},
		// a signature with a byte flipped
		func(i int) (int, error) {
			s := bytes.Clone(sig)
			s[100+i%(len(s)-200)] ^= 0x5a
			resp, err := hc.Post(f.base+"/v1/verify", "application/json", bytes.NewReader([]byte(`{"signature":"`+base64.StdEncoding.EncodeToString(s)+`","content":"`+base64.StdEncoding.EncodeToString(content)+`"}`)))
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if bytes.Contains(b, []byte(`"indication":"TOTAL_PASSED"`)) {
				return 0, fmt.Errorf("a signature with byte %d flipped passed", 100+i%(len(s)-200))
			}
			return resp.StatusCode, nil
		},
		// truncated body: Content-Length larger than what is sent
		func(int) (int, error) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				return 0, err
			}
			defer c.Close()
			fmt.Fprintf(c, "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"signature\":\"AAAA")
			c.(*net.TCPConn).CloseWrite()
			_, _ = io.Copy(io.Discard, c)
			return 400, nil
		},
	}
	// slowloris: half a header, then nothing; the server must hang up.
	slowloris := func() (int, error) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /v1/verify HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		_ = c.SetReadDeadline(time.Now().Add(time.Minute))
		// The server hangs up: EOF, or a reset since it did not read
		// the half header.
		if _, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
			return 0, fmt.Errorf("slowloris connection not closed by the server: %w", err)
		}
		return 408, nil
	}
	// 100 slowloris connections at once, beside 900 other requests.
	const total, slow = 1000, 100
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[int]int{}
		errs   []error
		next   = make(chan int, total)
	)
	for i := range total - slow {
		next <- i
	}
	close(next)
	for range slow {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, err := slowloris()
			mu.Lock()
			counts[code]++
			if err != nil && len(errs) < 5 {
				errs = append(errs, err)
			}
			mu.Unlock()
		}()
	}
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				code, err := kinds[i%len(kinds)](i)
				mu.Lock()
				counts[code]++
				if err != nil && len(errs) < 5 {
					errs = append(errs, fmt.Errorf("kind %d: %w", i%len(kinds), err))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	for code, n := range counts {
		if code >= 500 && code != http.StatusServiceUnavailable || code == 200 && n > total/len(kinds)*2 {
			t.Errorf("%d answers with status %d", n, code)
		}
	}
	t.Logf("answers by status: %v", counts)

	// Still serving.
	if code := f.call(t, "GET", "/healthz", "", nil, nil); code != 200 {
		t.Fatalf("healthz after the attack: %d", code)
	}
	// Goroutines and heap back to the baseline (the server closes the
	// connections; polled, no timing assertion).
	var g int
	var heap uint64
	for deadline := time.Now().Add(time.Minute); ; {
		g, heap = settle()
		if g <= baseG+4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if g > baseG+4 {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines, baseline %d\n%s", g, baseG, buf[:runtime.Stack(buf, true)])
	}
	if heap > baseHeap+32<<20 {
		t.Fatalf("heap %d MB, baseline %d MB", heap>>20, baseHeap>>20)
	}
	t.Logf("goroutines %d (baseline %d), heap %d KB (baseline %d KB)", g, baseG, heap>>10, baseHeap>>10)
}

func post(hc *http.Client, url string, body []byte) (int, error) {
	resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
