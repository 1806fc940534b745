package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoTestingInBinary lists the packages the binary links: testing must
// not be among them (conformance suites live in …test packages, such as
// storetest and vault/vaulttest, that only tests import).
func TestNoTestingInBinary(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to list the binary's packages")
	}
	out, err := exec.Command(gobin, "list", "-deps", "bonafide/cmd/bonafide").Output()
	if err != nil {
		t.Fatalf("go list -deps bonafide/cmd/bonafide: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "testing" || strings.HasPrefix(pkg, "testing/") {
			t.Errorf("the binary links %s; move whatever imports it into a …test package", pkg)
		}
	}
}
