// Command synth writes synthetic logs for benchmarks: synth -type cloudtrail -n 100000 > out.json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/pantherlabs/panther/internal/synth"
)

func main() {
	typ := flag.String("type", "cloudtrail", "kind of logs: cloudtrail")
	n := flag.Int("n", 100000, "number of events")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	var err error
	switch *typ {
	case "cloudtrail":
		err = synth.CloudTrail(os.Stdout, *n, *seed)
	default:
		err = fmt.Errorf("unknown -type %q", *typ)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "synth:", err)
		os.Exit(1)
	}
}
