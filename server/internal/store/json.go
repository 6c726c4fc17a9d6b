package store

import "encoding/json"

// Lists are stored as JSON text in both dialects.

func encodeList(v []string) string {
	if len(v) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func decodeList(s string) []string {
	var v []string
	_ = json.Unmarshal([]byte(s), &v)
	return v
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
