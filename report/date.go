package report

import (
	"fmt"
	"time"
)

// formatDate writes d the way UK letters do, "2 December 2026": no ordinal,
// no weekday, and no numeric form that a reader abroad could take the wrong
// way round.
func formatDate(d time.Time) string {
	return fmt.Sprintf("%d %s %d", d.Day(), d.Month(), d.Year())
}
