package phonetic_test

import (
	"fmt"

	"bonafide/linkage/phonetic"
)

func ExampleDoubleMetaphone() {
	fmt.Println(phonetic.DoubleMetaphone("Smith"))
	fmt.Println(phonetic.DoubleMetaphone("Schmidt"))
	fmt.Println(phonetic.Alike("Smith", "Schmidt"))
	// Output:
	// SM0 XMT
	// XMT SMT
	// true
}
