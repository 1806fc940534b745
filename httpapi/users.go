package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"bonafide"
	"bonafide/account"
)

// UserView is a user as the API shows it: never a hash or a TOTP secret.
type UserView struct {
	ID           int64         `json:"id"`
	Name         string        `json:"name"`
	Role         bonafide.Role `json:"role"`
	Disabled     bool          `json:"disabled"`
	TOTPEnrolled bool          `json:"totp_enrolled"`
	Created      time.Time     `json:"created"`
	CreatedBy    string        `json:"created_by"`
}

func userView(u bonafide.User) UserView {
	return UserView{ID: u.ID, Name: u.Name, Role: u.Role, Disabled: u.Disabled,
		TOTPEnrolled: u.TOTPConfirmed, Created: u.Created, CreatedBy: u.CreatedBy}
}

// UserCreate is the body of POST /api/v1/users.
type UserCreate struct {
	Name string        `json:"name"`
	Role bonafide.Role `json:"role"`
	// Password is the first password; when empty (and the role is not
	// intake_client) one is generated and returned once.
	Password string `json:"password,omitempty"`
	// Reason says why the user needs the role, for the audit log; required
	// for a privileged role (see account.CheckGrantReason).
	Reason string `json:"reason,omitempty"`
}

// UserCreated answers POST /api/v1/users; Password is set only when the
// server generated it, and is shown this once.
type UserCreated struct {
	User     UserView `json:"user"`
	Password string   `json:"password,omitempty"`
}

// RoleChange is the body of PUT /api/v1/users/{id}/role.
type RoleChange struct {
	Role bonafide.Role `json:"role"`
	// Reason says why the user needs the new role, for the audit log;
	// required for a privileged role (see account.CheckGrantReason).
	Reason string `json:"reason,omitempty"`
}

// TokenCreate is the body of POST /api/v1/tokens.
type TokenCreate struct {
	User  string `json:"user"`  // name of a user of role intake_client
	Label string `json:"label"` // what the token is for
}

// TokenCreated answers POST /api/v1/tokens with the token, shown once.
type TokenCreated struct {
	ID    int64  `json:"id"`
	User  string `json:"user"`
	Label string `json:"label"`
	Token string `json:"token"`
}

func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) {
	us, err := s.accounts.List(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := make([]UserView, 0, len(us))
	for _, u := range us {
		out = append(out, userView(u))
	}
	writeJSON(w, "application/json", http.StatusOK, out)
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	var req UserCreate
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	u, generated, err := s.accounts.Create(r.Context(), p.Actor(), account.NewUserRequest{Name: req.Name, Role: req.Role, Password: req.Password, Reason: req.Reason})
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	writeJSON(w, "application/json", http.StatusCreated, UserCreated{User: userView(u), Password: generated})
}

// pathID returns the user the {id} path value names.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, bonafide.Errorf(bonafide.ENotFound, "no such user")
	}
	return id, nil
}

func (s *Server) handleUserDisable(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	u, err := s.accounts.Disable(r.Context(), principalOf(r.Context()).Actor(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, userView(u))
}

func (s *Server) handleUserRole(w http.ResponseWriter, r *http.Request) {
	var req RoleChange
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	u, err := s.accounts.ChangeRole(r.Context(), principalOf(r.Context()).Actor(), id, req.Role, req.Reason)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusOK, userView(u))
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	var req TokenCreate
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	t, secret, err := s.accounts.CreateToken(r.Context(), p.Actor(), req.User, req.Label)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, "application/json", http.StatusCreated, TokenCreated{ID: t.ID, User: req.User, Label: t.Label, Token: secret})
}

// handleTokenRevoke revokes one API token of a user at once (see
// account.Service.RevokeToken); a token number that is not the user's is
// not found.
func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	// a number that does not parse is no token of anyone's: 0 is not found
	tokenID, _ := strconv.ParseInt(r.PathValue("token"), 10, 64)
	if err := s.accounts.RevokeToken(r.Context(), principalOf(r.Context()).Actor(), id, tokenID); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
