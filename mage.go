//go:build ignore

// Run mage targets without installing mage: go run mage.go <target>.
package main

import (
	"os"

	"github.com/magefile/mage/mage"
)

func main() { os.Exit(mage.Main()) }
