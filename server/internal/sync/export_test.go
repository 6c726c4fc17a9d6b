package sync

import "encoding/json"

// DecodeData is decodeData, which push applies to each change's data, for
// the tests of package sync_test.
func DecodeData(raw json.RawMessage, v any) error { return decodeData(raw, v) }
