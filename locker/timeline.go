package locker

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"bonafide/triage/textsim"
)

// An Event is one item placed in the family's chronology.
type Event struct {
	Ref      string // the exhibit number the dossier cites ("E3")
	ID       string // the item
	When     time.Time
	Category string
	Title    string
	Text     string // the text compared for links: a post's text, a diary entry's latest version, a page's or letter's text
	Links    []Link
}

// A Link marks a connection the family (and the police) should see.
type Link struct {
	Kind   string // LinkRestates, LinkAnnounced or LinkAfterBirth
	Ref    string // the other event's Ref
	Detail string // e.g. the words shared
}

// The kinds of link.
const (
	LinkRestates   = "restates a post"                 // an allegation or letter using a post's own words
	LinkAnnounced  = "was announced on a forum"        // a report a forum post said would be made
	LinkAfterBirth = "came after a birth announcement" // a report within 30 days of a post announcing a birth
)

// Thresholds for the links; the same order of strength triage asks of an
// allegation that restates a post (three shared content words at least).
const (
	restateMinShared   = 3
	restateMinCoverage = 0.3
	announceWindow     = 14 * 24 * time.Hour
	birthWindow        = 30 * 24 * time.Hour
)

// isReport reports whether a category is something done to the family by
// others: the occasions of a course of conduct. Police contacts are the
// family's own, so they are not among them.
func isReport(c string) bool {
	switch c {
	case CategoryReferral, CategorySponsor, CategoryGP, CategorySchool:
		return true
	}
	return false
}

var (
	birthWords    = regexp.MustCompile(`(?i)\b(born|newborn|new baby|welcome[sd]? (our|baby|little)|arrived|birth)\b`)
	announceWords = regexp.MustCompile(`(?i)\b(report(ed|ing)?|ring|rang|call(ed|ing)?|phone[sd]?|contact(ed)?|tell|told|email(ed)?)\b.{0,60}\b(social services|social workers?|children'?s services|ss|nspcc|police|school|gp|sponsors?|cps)\b`)
)

// BuildTimeline orders events by time and marks the links between them:
// a report restating an earlier post (textsim's content-word overlap), a
// forum post announcing a report that followed within 14 days, and
// reports within 30 days after a post announcing a birth.
func BuildTimeline(events []Event) []Event {
	ev := slices.Clone(events)
	slices.SortStableFunc(ev, func(a, b Event) int { return a.When.Compare(b.When) })
	for i := range ev {
		ev[i].Links = nil
	}
	for i := range ev {
		r := &ev[i]
		if !isReport(r.Category) {
			continue
		}
		for j := range i {
			p := ev[j]
			switch p.Category {
			case CategoryPost:
				if o := textsim.Restates(r.Text, p.Text, nil); len(o.Shared) >= restateMinShared && o.Coverage >= restateMinCoverage {
					r.Links = append(r.Links, Link{LinkRestates, p.Ref, fmt.Sprintf("%.0f%% of the post's words, e.g. %s", 100*o.Coverage, strings.Join(o.Shared[:min(6, len(o.Shared))], ", "))})
				}
				if birthWords.MatchString(p.Text) && r.When.Sub(p.When) <= birthWindow {
					r.Links = append(r.Links, Link{LinkAfterBirth, p.Ref, fmt.Sprintf("%d days after it", int(r.When.Sub(p.When).Hours()/24))})
				}
			case CategoryForum:
				if m := announceWords.FindString(p.Text); m != "" && r.When.Sub(p.When) <= announceWindow {
					r.Links = append(r.Links, Link{LinkAnnounced, p.Ref, "“" + textsim.Quote(m, 80) + "”"})
				}
			}
		}
	}
	return ev
}

// textOf is the text of an item the timeline compares: a post's text, a
// diary entry's latest version, a page's extracted text, a text file's or
// e-mail's content.
func (l *Locker) textOf(ctx context.Context, it *Item) (string, error) {
	idx := -1
	switch it.Kind {
	case KindPost:
		idx = 0
	case KindDiary:
		idx = len(it.Parts) - 1
	default:
		for i, p := range it.Parts {
			if p.Name == "text.txt" || strings.HasPrefix(p.Type, "text/") || p.Type == "message/rfc822" {
				idx = i
				break
			}
		}
	}
	if idx < 0 || it.Deleted {
		return it.Title, nil
	}
	b, err := l.Content(ctx, it.ID, idx)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Timeline returns the chosen items (every item not deleted if ids is
// empty) as one chronology with its links, each event numbered as the
// export numbers its exhibit.
func (l *Locker) Timeline(ctx context.Context, ids []string) ([]Event, error) {
	items, err := l.chosen(ctx, ids)
	if err != nil {
		return nil, err
	}
	var ev []Event
	for i, it := range items {
		text, err := l.textOf(ctx, it)
		if err != nil {
			return nil, err
		}
		when := it.When
		if when.IsZero() {
			when = it.Recorded
		}
		ev = append(ev, Event{Ref: fmt.Sprintf("E%d", i+1), ID: it.ID, When: when, Category: it.Category, Title: it.Title, Text: text})
	}
	return BuildTimeline(ev), nil
}
