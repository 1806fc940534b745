package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"bonafide"
	"bonafide/auth/authtest"
	"bonafide/sqlite"
)

func TestUserStore(t *testing.T) {
	authtest.RunUserStore(t, func(t *testing.T) bonafide.UserStore {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "u.db"), sqlite.Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st.Users()
	})
}
