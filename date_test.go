package bonafide

import (
	"testing"
)

func TestParsePartialDate(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    PartialDate
		wantErr bool
	}{
		{name: "full", in: "2019-03-07", want: PartialDate{2019, 3, 7}},
		{name: "year and month", in: "2019-03", want: PartialDate{2019, 3, 0}},
		{name: "year", in: "2019", want: PartialDate{2019, 0, 0}},
		{name: "leap day", in: "2020-02-29", want: PartialDate{2020, 2, 29}},
		{name: "no leap day", in: "2019-02-29", wantErr: true},
		{name: "month 13", in: "2019-13", wantErr: true},
		{name: "month 00", in: "2019-00-10", wantErr: true},
		{name: "day 00", in: "2019-01-00", wantErr: true},
		{name: "slashes", in: "07/03/2019", wantErr: true},
		{name: "compact", in: "20190307", wantErr: true},
		{name: "sign", in: "+019-03-07", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "ancient", in: "1066", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePartialDate(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParsePartialDate(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParsePartialDate(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if err == nil && got.String() != tt.in {
				t.Errorf("ParsePartialDate(%q).String() = %q, want the input back", tt.in, got.String())
			}
		})
	}
}
