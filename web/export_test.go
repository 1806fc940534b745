package web

// RoleRoutes lists the patterns of the screens a role of the role table
// gates (not those open to anyone or to every signed-in person), for the
// route × role walk to check it covers each.
func RoleRoutes() []string {
	s := &Server{}
	var out []string
	for _, rt := range s.routes() {
		if g, ok := rt.handler.(gated); ok && g.perm != anyone && g.perm != enrolling && g.perm != self {
			out = append(out, rt.pattern)
		}
	}
	return out
}
