package bench

import (
	"context"
	"fmt"
	"sync"
)

// forEach calls fn for 0..n-1 with at most parallel calls at once. Its
// error is the first one, and how many calls failed.
func forEach(ctx context.Context, n, parallel int, fn func(ctx context.Context, i int) error) error {
	var (
		mu     sync.Mutex
		first  error
		failed int
		wg     sync.WaitGroup
	)
	slots := make(chan struct{}, max(parallel, 1))
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			if err := fn(ctx, i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				failed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	switch {
	case first != nil:
		return fmt.Errorf("%d of %d failed, the first: %w", failed, n, first)
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return nil
}
