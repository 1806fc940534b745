package interchange_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"bonafide"
	"bonafide/interchange"
)

// Read a file, skipping bad lines and reporting each fault with its line.
func ExampleReader_Read() {
	in := `{"type":"referral","id":"R-1","received_at":"2024-03-01T10:00:00Z","channel":"phone","children":[{"given_name":"Ada","dob":"2019-03-07"}]}
{"type":"referral","id":"R-2","received_at":"yesterday","channel":"fax","children":[{"dob":"2019-13-01"}]}

{"type":"outcome","referral_id":"R-1","decided_at":"2024-03-04T16:00:00Z","decision":"early_help"}
`
	rd := interchange.NewReader(strings.NewReader(in))
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		var ve *bonafide.ValidationError
		if errors.As(err, &ve) {
			for _, fe := range ve.Errors {
				fmt.Println("skip", fe)
			}
			continue
		}
		if err != nil {
			fmt.Println("stop:", err)
			return
		}
		fmt.Printf("line %d: %s\n", rd.Line(), rec.RecordType())
	}
	// Output:
	// line 1: referral
	// skip line 2: received_at: "yesterday" is not an RFC 3339 time
	// skip line 2: children[0].dob: "2019-13-01": month 13 out of range 01-12
	// skip line 2: channel: "fax" is not one of phone, web_form, email, letter, in_person, relay
	// line 4: outcome
}

// Unknown members, here "priority" and "school", are kept and written back
// after the known ones.
func ExampleWriter() {
	r, err := interchange.DecodeReferral([]byte(`{"priority":2,"type":"referral","id":"R-1","channel":"email",
		"received_at":"2024-03-01T10:00:00+01:00","children":[{"school":"Test Primary","given_name":"Ada"}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	w := interchange.NewWriter(os.Stdout)
	if err := w.Write(r); err != nil {
		fmt.Println(err)
	}
	if err := w.Flush(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"type":"referral","id":"R-1","received_at":"2024-03-01T10:00:00+01:00","channel":"email","children":[{"given_name":"Ada","school":"Test Primary"}],"immediate_danger":false,"priority":2}
}

// Decode checks one record, such as an HTTP request body, and reports every
// fault without a line number.
func ExampleDecode() {
	_, err := interchange.Decode([]byte(`{"type":"outcome","referral_id":"R-1","decision":"shrug"}`))
	fmt.Println(err)
	// Output:
	// 2 errors: decided_at: missing; decision: "shrug" is not one of no_further_action, early_help, assessment, section_47, police_referral
}

func ExampleEncode() {
	b, err := interchange.Encode(&bonafide.Outcome{ReferralID: "R-1", Finding: bonafide.FindingUnfounded})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))
	// Output:
	// {"type":"outcome","referral_id":"R-1","finding":"unfounded"}
}
