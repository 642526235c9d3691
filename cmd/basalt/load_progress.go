package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// startProgress shows progress until the returned function is called: on
// a terminal, a progress bar of the bytes read (percent, MB/s, ETA) with
// documents and docs/s; otherwise a line every --progress-interval, for
// logs.
func (ld *loader) startProgress() func() {
	if !ld.terminal && ld.every <= 0 {
		return func() {}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var bar *progressbar.ProgressBar
		tick := ld.every
		if ld.terminal {
			_, total := ld.it.Progress()
			bar = progressbar.NewOptions64(total,
				progressbar.OptionSetWriter(ld.errOut),
				progressbar.OptionShowBytes(true),
				progressbar.OptionShowCount(),
				progressbar.OptionShowTotalBytes(true),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionSetElapsedTime(true),
				progressbar.OptionFullWidth(),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
				progressbar.OptionUseANSICodes(true),
				progressbar.OptionSetDescription("load"))
			tick = 200 * time.Millisecond
		}
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-stop:
				if bar != nil {
					_ = bar.Clear()
				}
				return
			case <-t.C:
				read, total := ld.it.Progress()
				ld.mu.Lock()
				n := ld.written + ld.failed
				ld.mu.Unlock()
				secs := time.Since(ld.start).Seconds()
				docs := fmt.Sprintf("%s docs, %s docs/s", commas(n), commas(int64(float64(n)/secs)))
				if bar != nil {
					bar.Describe(docs)
					_ = bar.Set64(read)
					continue
				}
				line := fmt.Sprintf("load: %s read", mib(read))
				if total > 0 {
					pct := float64(read) / float64(total)
					line = fmt.Sprintf("load: %s of %s (%.1f%%)", mib(read), mib(total), 100*pct)
					if pct > 0 {
						eta := time.Duration(secs * (1 - pct) / pct * float64(time.Second))
						line += fmt.Sprintf(", ETA %s", eta.Round(time.Second))
					}
				}
				fmt.Fprintf(ld.errOut, "%s, %s, %.1f MiB/s\n", line, docs, float64(read)/secs/(1<<20))
			}
		}
	}()
	return func() { close(stop); wg.Wait() }
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
