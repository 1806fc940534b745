package postgres

import (
	"testing"

	"bonafide"
	"bonafide/auth/authtest"
)

func TestUserStore(t *testing.T) {
	authtest.RunUserStore(t, func(t *testing.T) bonafide.UserStore { return openMigrated(t).Users() })
}
