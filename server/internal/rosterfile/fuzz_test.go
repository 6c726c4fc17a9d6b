package rosterfile_test

import (
	"bytes"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/rosterfile"
)

// FuzzParse feeds any bytes to every parser: none may panic, and every record
// and problem must point at a line of the input (or at orgs.csv, which is
// fixed).
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"external_id,school_external_id,given_name,family_name,email,grades,subjects\nT-1,S-1,A,B,a@b.example,K;3,Math\n",
		"external_id,email,name,role,school_external_ids\r\nU-1,a@b.example,A,principal,S-1;S-2\r\n",
		"\ufeffexternal_id,name\n\"S-1\",\"A\nB\"\n,\n\"unclosed\n",
		"a,b\n\"x\"y,z\n",
		"\xff\xfe",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		lines := bytes.Count(in, []byte("\n")) + 1
		check := func(b rosterfile.Batch) {
			for _, p := range b.Problems {
				if p.Line < 0 || (p.File != "orgs.csv" && p.Line > lines) || p.Message == "" {
					t.Fatalf("problem %+v outside the %d lines of the input", p, lines)
				}
			}
			for _, s := range b.Schools {
				if s.Line < 2 || s.ExternalID == "" {
					t.Fatalf("school %+v", s)
				}
			}
			for _, tc := range b.Teachers {
				if tc.Line < 2 || tc.Line > lines || tc.ExternalID == "" || tc.SchoolExternalID == "" {
					t.Fatalf("teacher %+v", tc)
				}
			}
			for _, u := range b.Users {
				if u.Line < 2 || u.Line > lines || u.Email == "" || len(u.Roles) == 0 {
					t.Fatalf("user %+v", u)
				}
			}
		}
		check(rosterfile.ParseSchools(bytes.NewReader(in)))
		check(rosterfile.ParseTeachers(bytes.NewReader(in)))
		check(rosterfile.ParseUsers(bytes.NewReader(in)))
		check(rosterfile.ParseOneRoster(zipOf(t, zipEntry{"orgs.csv", smallOrgs}, zipEntry{"users.csv", string(in)},
			zipEntry{"classes.csv", string(in)}, zipEntry{"enrollments.csv", string(in)})))
		rosterfile.ParseOneRoster(in)
	})
}
