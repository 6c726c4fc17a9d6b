package domain

import "strings"

// NULMessage says why text holding U+0000 (NUL) is refused. PostgreSQL
// cannot store the character in text, so no input may carry it: request
// bodies, query and path parameters, pushed changes, rubric documents and
// roster files refuse it where they are read, naming where it was.
const NULMessage = "must not hold the NUL character (U+0000)"

// HasNUL tells whether s holds U+0000.
func HasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }
