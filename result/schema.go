package result

import _ "embed" // for Schema

// Schema is the JSON Schema (draft 2020-12) of the result document at
// SchemaVersion: result/schema.json, embedded so that any stage can check
// a document it receives. docs/result-format.md explains every field.
//
//go:embed schema.json
var Schema []byte
