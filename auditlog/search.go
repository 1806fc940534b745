package auditlog

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Query selects entries of the log for an auditor browsing it (the web
// interface's audit area): every field that is set must match.
type Query struct {
	// Who, What and Object match an entry's field exactly when set; What
	// ending in "." (such as "reporter.") matches every action under it.
	Who, What, Object string
	// From and To bound the entry's time: From <= Time < To, when set.
	From, To time.Time
	// Before is where a page starts: only entries with N < Before are
	// read (the Next of the page before); 0 means the newest entry.
	Before int64
	// Limit is how many entries a page holds (DefaultSearchLimit if 0, at
	// most MaxSearchLimit).
	Limit int
}

// Search bounds. A page reads at most MaxSearchScan entries, so that a
// query that matches little answers in bounded time however long the log
// is; the page then says where to go on (Next) although it is not full.
const (
	DefaultSearchLimit = 50
	MaxSearchLimit     = 500
	MaxSearchScan      = 100_000
)

// SearchPage is one page of a Search, newest entry first.
type SearchPage struct {
	Entries []Entry
	// Size is the log's size when the page was read.
	Size int64
	// Next is the Before of the next (older) page, or -1 when no older
	// entry can match.
	Next int64
	// Scanned is how many entries were read for the page.
	Scanned int64
}

// searchChunk is how many entries Search reads at a time, going back.
const searchChunk = 512

// Search returns the entries matching q, newest first, one page at a
// time. It reads the stored entries backwards from q.Before in chunks and
// stops at a full page, at MaxSearchScan entries read, or at an entry
// older than q.From (entries are appended in time order). An entry that
// does not parse is an error: run Verify.
func (l *Log) Search(ctx context.Context, q Query) (SearchPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	limit = min(limit, MaxSearchLimit)
	size, err := l.store.Size(ctx)
	if err != nil {
		return SearchPage{}, fmt.Errorf("audit search: %w", err)
	}
	page := SearchPage{Size: size, Next: -1}
	hi := size
	if q.Before > 0 && q.Before < size {
		hi = q.Before
	}
	for hi > 0 {
		lo := max(0, hi-searchChunk)
		var chunk []Entry
		for se, err := range l.store.Entries(ctx, lo) {
			if err != nil {
				return SearchPage{}, fmt.Errorf("audit search: %w", err)
			}
			if se.N >= hi {
				break
			}
			e, err := UnmarshalEntry(se.Data)
			if err != nil {
				return SearchPage{}, fmt.Errorf("audit search: entry %d: %w", se.N, err)
			}
			chunk = append(chunk, e)
		}
		page.Scanned += hi - lo
		for i := len(chunk) - 1; i >= 0; i-- {
			e := chunk[i]
			if !q.From.IsZero() && e.Time.Before(q.From) {
				return page, nil
			}
			if q.matches(e) {
				page.Entries = append(page.Entries, e)
				if len(page.Entries) == limit {
					if e.N > 0 {
						page.Next = e.N
					}
					return page, nil
				}
			}
		}
		hi = lo
		if page.Scanned >= MaxSearchScan && hi > 0 {
			page.Next = hi
			return page, nil
		}
	}
	return page, nil
}

func (q Query) matches(e Entry) bool {
	switch {
	case q.Who != "" && e.Who != q.Who:
		return false
	case q.What != "" && !(e.What == q.What || strings.HasSuffix(q.What, ".") && strings.HasPrefix(e.What, q.What)):
		return false
	case q.Object != "" && e.Object != q.Object:
		return false
	case !q.To.IsZero() && !e.Time.Before(q.To):
		return false
	}
	return true
}
