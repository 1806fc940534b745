package auth

import (
	"sync"
	"time"
)

// Throttle slows password guessing: after Free failures for one key (a
// username, or a client address) each further attempt must wait twice as
// long as the last, up to Max. A success clears the key. It is in memory,
// per server process; a restart forgives, which the audit log still shows.
type Throttle struct {
	Free int           // failures allowed before any wait
	Base time.Duration // first wait
	Max  time.Duration // longest wait

	mu    sync.Mutex
	state map[string]throttleState
}

type throttleState struct {
	failures int
	until    time.Time
	last     time.Time
}

// NewThrottle returns a throttle with five free failures, then waits from
// one second doubling to fifteen minutes.
func NewThrottle() *Throttle {
	return &Throttle{Free: 5, Base: time.Second, Max: 15 * time.Minute}
}

// Wait returns how long key must still wait before another attempt at now;
// zero means it may try.
func (t *Throttle) Wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.state[key]
	if now.Before(s.until) {
		return s.until.Sub(now)
	}
	return 0
}

// Fail records a failed attempt by key at now.
func (t *Throttle) Fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == nil {
		t.state = make(map[string]throttleState)
	}
	t.sweep(now)
	s := t.state[key]
	s.failures++
	s.last = now
	if over := s.failures - t.Free; over > 0 {
		wait := t.Base
		for i := 1; i < over && wait < t.Max; i++ {
			wait *= 2
		}
		s.until = now.Add(min(wait, t.Max))
	}
	t.state[key] = s
}

// Succeed clears key's failures.
func (t *Throttle) Succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.state, key)
}

// sweep forgets keys idle for a day, so the map cannot grow without bound
// under a spray of usernames.
func (t *Throttle) sweep(now time.Time) {
	if len(t.state) < 10000 {
		return
	}
	for k, s := range t.state {
		if now.Sub(s.last) > 24*time.Hour {
			delete(t.state, k)
		}
	}
}
