package vault_test

import (
	"context"
	"fmt"

	"bonafide/vault"
)

// ExampleVault_SealSecret seals a user's TOTP seed for that user: it opens
// for the same purpose and subject only.
func ExampleVault_SealSecret() {
	ctx := context.Background()
	master, err := vault.GenerateMasterKey(nil)
	if err != nil {
		panic(err)
	}
	v, err := vault.Open(ctx, new(vault.MemoryKeyStore), vault.MasterKeys{master}, vault.Options{})
	if err != nil {
		panic(err)
	}
	sealed, err := v.SealSecret("totp", "7/ada", []byte("JBSWY3DPEHPK3PXP"))
	if err != nil {
		panic(err)
	}
	seed, err := v.OpenSecret("totp", "7/ada", sealed)
	fmt.Println("ada's row:", string(seed), err)

	_, err = v.OpenSecret("totp", "8/bea", sealed)
	fmt.Println("copied to bea's row:", err)

	// Output:
	// ada's row: JBSWY3DPEHPK3PXP <nil>
	// copied to bea's row: open totp secret: open: message authentication failed
}
