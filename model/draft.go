package model

import "fmt"

// Unknown is how a draft writes what is not yet known (Art. 33(4) GDPR:
// information may be provided in phases).
const Unknown = "unknown — to follow"

func count(n *int64) string {
	if n == nil {
		return ""
	}
	return fmt.Sprintf("approximately %d", *n)
}
