package normalize

// NHSNumber returns the digits of an NHS number as typed (spaces, dashes
// and any other characters dropped) and whether they are ten digits whose
// last is the Modulus 11 check digit of the first nine. An invalid number
// is still returned: a stranger may mistype one digit, and linkage compares
// it by edit distance; two different valid numbers are two people.
func NHSNumber(s string) (digits string, valid bool) {
	b := make([]byte, 0, 10)
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b), validNHS(b)
}

// validNHS reports whether d is ten digits with a correct Modulus 11 check
// digit.
func validNHS(d []byte) bool {
	if len(d) != 10 {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(d[i]-'0') * (10 - i)
	}
	c := 11 - sum%11
	if c == 11 {
		c = 0
	}
	return c != 10 && c == int(d[9]-'0')
}
