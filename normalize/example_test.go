package normalize_test

import (
	"fmt"

	"bonafide/normalize"
)

func ExamplePostcode() {
	p, ok := normalize.Postcode("swia1aa")
	fmt.Println(p.Full, "|", p.Sector, "|", p.District, "|", p.Area, ok)
	p, ok = normalize.Postcode("LS6")
	fmt.Printf("%q %q %v\n", p.Full, p.District, ok)
	// Output:
	// SW1A 1AA | SW1A 1 | SW1A | SW true
	// "" "LS6" true
}

func ExampleEmail() {
	fmt.Println(normalize.Email("Jane.Doe+school@googlemail.com"))
	fmt.Println(normalize.Email("jane dot doe at hotmail dot co dot uk"))
	// Output:
	// janedoe@gmail.com
	// jane.doe@hotmail.co.uk
}

func ExamplePhone() {
	fmt.Println(normalize.Phone("+44 (0)7700 900123"))
	fmt.Println(normalize.Phone("Number withheld"))
	// Output:
	// +447700900123 false
	//  true
}

func ExampleAddressTokens() {
	fmt.Println(normalize.AddressTokens("Flat 2, 12 St Mary's Rd, Leeds"))
	// Output:
	// [flat 2 12 saint marys road leeds]
}
