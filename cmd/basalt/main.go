// Command basalt is Basalt's one binary: the server and its tools.
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	if err := rootCmd().Execute(); err != nil {
		// A failed statement has printed its error already.
		if !errors.Is(err, errStatement) {
			fmt.Fprintln(os.Stderr, "basalt:", err)
		}
		os.Exit(1)
	}
}
