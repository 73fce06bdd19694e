package workload

import "fmt"

// Op is one kind of operation a workload issues against a target.
type Op uint8

// The operation kinds. Their order is the order of every per-op table.
const (
	Read Op = iota
	Update
	Insert
	Scan
	ReadModifyWrite
	Delete
	NumOps // the number of operation kinds, not an operation
)

var opNames = [NumOps]string{"read", "update", "insert", "scan", "rmw", "delete"}

// String returns the operation's name as used in workload files and result
// documents: read, update, insert, scan, rmw, delete.
func (o Op) String() string {
	if o < NumOps {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// ParseOp returns the operation with the given name.
func ParseOp(name string) (Op, error) {
	for i, n := range opNames {
		if n == name {
			return Op(i), nil
		}
	}
	return 0, fmt.Errorf("unknown operation %q (want read, update, insert, scan, rmw or delete)", name)
}

// Ops returns all operation kinds in table order.
func Ops() []Op {
	ops := make([]Op, NumOps)
	for i := range ops {
		ops[i] = Op(i)
	}
	return ops
}
