package bonafide

// ValidNHSNumber reports whether s is ten digits (spaces and hyphens as
// typed are ignored) whose last digit is the Modulus 11 check digit of the
// first nine. An invalid number is still kept: a stranger may mistype one
// digit, and record linkage can still use it by edit distance.
func ValidNHSNumber(s string) bool {
	var d [10]int
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == 10 {
				return false
			}
			d[n] = int(c - '0')
			n++
		case c == ' ' || c == '-':
		default:
			return false
		}
	}
	if n != 10 {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += d[i] * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == d[9]
}
