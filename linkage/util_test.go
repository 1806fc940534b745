package linkage

import "strconv"

func strconvFormat(w float64) string { return strconv.FormatFloat(w, 'f', 4, 64) }
