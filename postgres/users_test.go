package postgres

import (
	"testing"

	"bonafide"
	"bonafide/auth"
)

func TestUserStore(t *testing.T) {
	auth.TestUserStore(t, func(t *testing.T) bonafide.UserStore { return openMigrated(t).Users() })
}
