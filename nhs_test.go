package bonafide

import "testing"

func TestValidNHSNumber(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{name: "valid", in: "9434765919", want: true},
		{name: "valid with spaces", in: "943 476 5919", want: true},
		{name: "valid with hyphens", in: "943-476-5919", want: true},
		{name: "check digit 0", in: "4010232137", want: true},
		{name: "one digit off", in: "9434765918", want: false},
		{name: "transposed", in: "9434769519", want: false},
		{name: "check would be 10", in: "0000000060", want: false},
		{name: "check would be 10 any digit", in: "0000000069", want: false},
		{name: "nine digits", in: "943476591", want: false},
		{name: "eleven digits", in: "94347659190", want: false},
		{name: "letters", in: "94347A5919", want: false},
		{name: "empty", in: "", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidNHSNumber(tt.in); got != tt.want {
				t.Errorf("ValidNHSNumber(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
