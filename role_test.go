package bonafide

import "testing"

func TestRoleCan(t *testing.T) {
	tests := []struct {
		name string
		role Role
		perm Permission
		want bool
	}{
		{name: "social worker sees links", role: RoleSocialWorker, perm: PermReporterLinks, want: true},
		{name: "social worker cannot unseal", role: RoleSocialWorker, perm: PermReporterUnseal, want: false},
		{name: "team manager cannot unseal", role: RoleTeamManager, perm: PermReporterUnseal, want: false},
		{name: "police liaison asks", role: RolePoliceLiaison, perm: PermDisclosureRequest, want: true},
		{name: "police liaison cannot approve", role: RolePoliceLiaison, perm: PermDisclosureApprove, want: false},
		{name: "dpo unseals", role: RoleDPO, perm: PermReporterUnseal, want: true},
		{name: "dpo cannot ask for itself", role: RoleDPO, perm: PermDisclosureRequest, want: false},
		{name: "administrator sees no case data", role: RoleAdministrator, perm: PermReferralRead, want: false},
		{name: "auditor reads the log", role: RoleAuditor, perm: PermAuditRead, want: true},
		{name: "auditor sees no referrals", role: RoleAuditor, perm: PermReferralRead, want: false},
		{name: "intake client only submits", role: RoleIntakeMachine, perm: PermReferralRead, want: false},
		{name: "dpo manages subject access requests", role: RoleDPO, perm: PermSARManage, want: true},
		{name: "police liaison cannot see a SAR", role: RolePoliceLiaison, perm: PermSARManage, want: false},
		{name: "team manager cannot see a SAR", role: RoleTeamManager, perm: PermSARManage, want: false},
		{name: "social worker takes in a family's bundle", role: RoleSocialWorker, perm: PermLockerImport, want: true},
		{name: "team manager takes in a family's bundle", role: RoleTeamManager, perm: PermLockerImport, want: true},
		{name: "intake officer cannot take in a bundle", role: RoleIntakeOfficer, perm: PermLockerImport, want: false},
		{name: "police liaison cannot file a bundle", role: RolePoliceLiaison, perm: PermLockerImport, want: false},
		{name: "unknown role", role: Role("root"), perm: PermReferralRead, want: false},
		{name: "empty role", role: Role(""), perm: PermReferralCreate, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.role.Can(tt.perm); got != tt.want {
				t.Errorf("%s.Can(%s) = %v, want %v", tt.role, tt.perm, got, tt.want)
			}
		})
	}
}

// TestOnlyDPOUnseals holds the central promise: no role but the data
// protection officer can ever see who a reporter is.
func TestOnlyDPOUnseals(t *testing.T) {
	for _, r := range Roles {
		for _, p := range []Permission{PermReporterUnseal, PermBreakGlass, PermDisclosureApprove} {
			if r.Can(p) != (r == RoleDPO) {
				t.Errorf("%s.Can(%s) = %v, want %v", r, p, r.Can(p), r == RoleDPO)
			}
		}
	}
}

func TestPermissionTableComplete(t *testing.T) {
	for r, perms := range rolePermissions {
		if !r.Valid() {
			t.Errorf("table names unknown role %q", r)
		}
		for _, p := range perms {
			found := false
			for _, q := range Permissions {
				found = found || p == q
			}
			if !found {
				t.Errorf("role %s has permission %q missing from Permissions", r, p)
			}
		}
	}
	for _, r := range Roles {
		if _, ok := rolePermissions[r]; !ok {
			t.Errorf("role %s has no row in the permission table", r)
		}
	}
}
