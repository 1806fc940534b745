package nickname_test

import (
	"fmt"

	"bonafide/linkage/nickname"
)

func ExampleRelated() {
	fmt.Println(nickname.Related("Margaret", "Peggy"))
	fmt.Println(nickname.Related("Alex", "Sandy"))
	fmt.Println(nickname.Related("Peggy", "Bill"))
	// Output:
	// true
	// true
	// false
}

func ExampleCanonical() {
	fmt.Println(nickname.Canonical("Charlie"))
	fmt.Println(nickname.Canonical("Mohamed"))
	// Output:
	// [charles charlotte]
	// [muhammad]
}
