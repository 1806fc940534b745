package sqlite

import (
	"testing"

	"bonafide"
	"bonafide/storetest"
)

func TestDisclosures(t *testing.T) {
	open := opener(Options{})
	storetest.RunDisclosures(t, func(t *testing.T) bonafide.DisclosureStore {
		return open(t).(*Store).Disclosures()
	})
}
