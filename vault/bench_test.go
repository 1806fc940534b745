package vault

import (
	"testing"

	"bonafide"
)

var benchReporter = &bonafide.Reporter{
	GivenName: "Ada", FamilyName: "Example", Phone: "07700 900123", Email: "ada.example@example.org",
	Address:   &bonafide.Address{Line1: "1 Test Street", Town: "Testtown", Postcode: "ZZ99 3ZZ"},
	ContactIP: "203.0.113.7", DeviceID: "dev-0001-abcd",
}

func BenchmarkSealReporter(b *testing.B) {
	v := mustVault(b, new(MemoryKeyStore), mustMaster(b))
	for b.Loop() {
		if _, err := v.SealReporter("R-0001", benchReporter); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenReporter(b *testing.B) {
	v := mustVault(b, new(MemoryKeyStore), mustMaster(b))
	s, err := v.SealReporter("R-0001", benchReporter)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := v.OpenReporter("R-0001", s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTags(b *testing.B) {
	v := mustVault(b, new(MemoryKeyStore), mustMaster(b))
	for b.Loop() {
		if len(v.Tags(benchReporter)) != 6 {
			b.Fatal("want 6 tags")
		}
	}
}

// BenchmarkSeal measures sealing a 300-byte value, about a reporter's JSON.
func BenchmarkSeal(b *testing.B) {
	v := mustVault(b, new(MemoryKeyStore), mustMaster(b))
	plain := make([]byte, 300)
	aad := ReporterAAD("R-0001")
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		if _, err := v.Seal(plain, aad); err != nil {
			b.Fatal(err)
		}
	}
}
