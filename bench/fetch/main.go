// Command fetch asks a server for every code of a list, in parallel, and
// writes each 200 answer's body to DIR/CODE.json: the bodies the minimal
// server and nginx then serve. It warms errdex's cache on the way. With
// -compare it asks a second server for a sample of the codes and fails
// unless it answers the very same bytes. Without -out it only asks (a
// cache-warming pass).
//
//	go run ./bench/fetch -url http://127.0.0.1:8081 -codes codes.txt -out bodies/
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "", "server to fetch from, e.g. http://127.0.0.1:8081")
	codesPath := flag.String("codes", "", "file of codes, one a line")
	out := flag.String("out", "", "folder to write CODE.json into (created); none: only ask")
	workers := flag.Int("c", 8, "requests in flight")
	compare := flag.String("compare", "", "a second server that must answer the same bytes")
	sample := flag.Int("sample", 200, "how many codes to check against -compare")
	flag.Parse()
	if *base == "" || *codesPath == "" || (*out == "" && *compare != "") {
		flag.Usage()
		os.Exit(2)
	}
	codes, err := readCodes(*codesPath)
	if err != nil {
		log.Fatal(err)
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			log.Fatal(err)
		}
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *workers, DisableCompression: true}}
	start := time.Now()
	var bytesTotal atomic.Int64
	err = each(codes, *workers, func(code string) error {
		body, err := get(client, *base, code)
		if err != nil {
			return err
		}
		bytesTotal.Add(int64(len(body)))
		if *out == "" {
			return nil
		}
		return os.WriteFile(filepath.Join(*out, code+".json"), body, 0o644)
	})
	if err != nil {
		log.Fatal(err)
	}
	el := time.Since(start)
	fmt.Printf("%s: fetched %d bodies (%.1f MB, mean %d bytes) in %s (%.0f/s)\n", *base, len(codes),
		float64(bytesTotal.Load())/1e6, bytesTotal.Load()/int64(len(codes)), el.Round(time.Millisecond), float64(len(codes))/el.Seconds())
	if *compare == "" {
		return
	}
	step := max(1, len(codes) / *sample)
	var picked []string
	for i := 0; i < len(codes); i += step {
		picked = append(picked, codes[i])
	}
	err = each(picked, *workers, func(code string) error {
		want, err := os.ReadFile(filepath.Join(*out, code+".json"))
		if err != nil {
			return err
		}
		got, err := get(client, *compare, code)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("%s: %s answers other bytes than %s", code, *compare, *base)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("checked %d codes: %s answers the same bytes\n", len(picked), *compare)
}

func readCodes(p string) ([]string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var codes []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if c := strings.TrimSpace(sc.Text()); c != "" {
			codes = append(codes, c)
		}
	}
	if len(codes) == 0 && sc.Err() == nil {
		return nil, fmt.Errorf("%s: no codes", p)
	}
	return codes, sc.Err()
}

// each runs fn on every code with n at a time and returns the first error.
func each(codes []string, n int, fn func(string) error) error {
	ch := make(chan string)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range n {
		wg.Go(func() {
			for c := range ch {
				if err := fn(c); err != nil {
					once.Do(func() { first = err })
				}
			}
		})
	}
	for _, c := range codes {
		ch <- c
	}
	close(ch)
	wg.Wait()
	return first
}

func get(client *http.Client, base, code string) ([]byte, error) {
	res, err := client.Get(base + "/errors/" + code)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/errors/%s: %s", base, code, res.Status)
	}
	return body, nil
}
