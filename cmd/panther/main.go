// Command panther is the Panther security data lake and detection platform in one binary.
package main

import (
	"os"

	"github.com/pantherlabs/panther/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], &cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
