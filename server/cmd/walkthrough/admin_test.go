package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

func TestRubricAndRosterCommands(t *testing.T) {
	ctx := context.Background()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dbURL, _ := testdb.NewDatabase(t, dialect)
			dir := t.TempDir()
			env := map[string]string{"WALKTHROUGH_DATA_DIR": dir, "WALKTHROUGH_DATABASE_URL": dbURL}
			getenv := func(k string) string { return env[k] }
			var out bytes.Buffer
			if err := run(ctx, []string{"migrate", "up"}, getenv, nil, &out, &out); err != nil {
				t.Fatal(err)
			}
			st, err := store.Open(ctx, store.Options{DatabaseURL: dbURL, SQLitePath: filepath.Join(dir, "walkthrough.db")})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := auth.CreateFirstAdmin(ctx, st, "", "first@example.org", "a long enough password"); err != nil {
				t.Fatal(err)
			}

			doc, err := domain.MarshalRubric(domain.BuiltinFramework())
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, "rubric.json")
			if err := os.WriteFile(file, doc, 0o600); err != nil {
				t.Fatal(err)
			}
			out.Reset()
			if err := run(ctx, []string{"rubric", "import", "--publish", file}, getenv, nil, &out, &out); err != nil {
				t.Fatalf("rubric import: %v\n%s", err, out.String())
			}
			id := strings.TrimSuffix(strings.Fields(out.String())[len(strings.Fields(out.String()))-1], ".")
			var exported bytes.Buffer
			if err := run(ctx, []string{"rubric", "export", id}, getenv, nil, &exported, &out); err != nil {
				t.Fatalf("rubric export: %v", err)
			}
			if !bytes.Equal(exported.Bytes(), doc) {
				t.Fatal("export differs from the imported file")
			}

			roster := filepath.Join(dir, "schools.csv")
			if err := os.WriteFile(roster, []byte("external_id,name\nS1,Maple\nS2,Birch\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			out.Reset()
			if err := run(ctx, []string{"import", "roster", "--kind", "schools", "--dry-run", roster}, getenv, nil, &out, &out); err != nil {
				t.Fatalf("dry run: %v", err)
			}
			if !strings.Contains(out.String(), `"created": 2`) || !strings.Contains(out.String(), `"applied": false`) {
				t.Fatalf("dry run report:\n%s", out.String())
			}
			out.Reset()
			if err := run(ctx, []string{"import", "roster", "--kind", "schools", roster}, getenv, nil, &out, &out); err != nil {
				t.Fatalf("import: %v", err)
			}
			ds, _ := st.Districts(ctx)
			schools, err := st.Schools(ctx, domain.DistrictScope(ds[0].ID), store.Keyset{})
			if err != nil || len(schools) != 2 {
				t.Fatalf("schools after import: %v %v", schools, err)
			}
		})
	}
}
