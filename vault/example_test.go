package vault_test

import (
	"bytes"
	"context"
	"fmt"

	"bonafide"
	"bonafide/vault"
)

func Example() {
	ctx := context.Background()
	master, err := vault.GenerateMasterKey(nil) // production: vault.LoadMasterKeys(os.Getenv)
	if err != nil {
		panic(err)
	}
	keys := new(vault.MemoryKeyStore) // production: the SQLite or PostgreSQL store
	v, err := vault.Open(ctx, keys, vault.MasterKeys{master}, vault.Options{})
	if err != nil {
		panic(err)
	}

	r := &bonafide.Reporter{GivenName: "Ada", FamilyName: "Example", Email: "ada.example+x@gmail.com"}
	sealed, err := v.SealReporter("R-0001", r)
	if err != nil {
		panic(err)
	}
	fmt.Println("sealed bytes contain the name:", bytes.Contains(sealed, []byte("Ada")))

	back, err := v.OpenReporter("R-0001", sealed)
	fmt.Println("opened for R-0001:", back.GivenName, err)

	_, err = v.OpenReporter("R-0002", sealed)
	fmt.Println("opened for R-0002:", err)

	// Output:
	// sealed bytes contain the name: false
	// opened for R-0001: Ada <nil>
	// opened for R-0002: open reporter of R-0002: open: message authentication failed
}

func ExampleSharing() {
	ctx := context.Background()
	master, _ := vault.GenerateMasterKey(nil)
	v, err := vault.Open(ctx, new(vault.MemoryKeyStore), vault.MasterKeys{master}, vault.Options{})
	if err != nil {
		panic(err)
	}
	idx := new(vault.MemoryTagIndex)
	for id, r := range map[string]*bonafide.Reporter{
		"R-1": {Email: "concerned.neighbour@gmail.com", ContactIP: "203.0.113.7"},
		"R-2": {Email: "ConcernedNeighbour+again@gmail.com", DeviceID: "tablet-77"},
		"R-3": {Phone: "07700 900123", DeviceID: "tablet-77"},
	} {
		if err := idx.PutTags(ctx, id, v.Tags(r)); err != nil {
			panic(err)
		}
	}
	shared, err := vault.Sharing(ctx, idx, "R-2")
	if err != nil {
		panic(err)
	}
	for _, s := range shared {
		fmt.Print(s.ReferralID, " shares")
		for _, t := range s.Tags {
			fmt.Print(" ", t.Kind)
		}
		fmt.Println()
	}
	// Output:
	// R-1 shares email
	// R-3 shares device
}

func ExampleRotate() {
	ctx := context.Background()
	keys := new(vault.MemoryKeyStore)
	old, _ := vault.GenerateMasterKey(nil)
	v, _ := vault.Open(ctx, keys, vault.MasterKeys{old}, vault.Options{})
	sealed, _ := v.Seal([]byte("who reported"), []byte("R-1"))

	// The new key goes first in the master key file; the old one stays
	// below it until Rotate has run.
	next, _ := vault.GenerateMasterKey(nil)
	res, err := vault.Rotate(ctx, keys, vault.MasterKeys{next, old})
	fmt.Println("rewrapped:", res.Rewrapped, err)

	v2, _ := vault.Open(ctx, keys, vault.MasterKeys{next}, vault.Options{})
	plain, err := v2.Open(sealed, []byte("R-1"))
	fmt.Printf("%s %v\n", plain, err)
	// Output:
	// rewrapped: 2 <nil>
	// who reported <nil>
}
