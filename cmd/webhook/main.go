// Command webhook signs, verifies, sends and captures webhooks in the
// signedhooks wire format.
//
// Usage:
//
//	webhook listen  [-addr A] [-path P] [-secret-env VAR] [-forward URL]
//	webhook send    -url URL -secret-env VAR [-type T] [-id ID] [-data JSON | -data-file F]
//	webhook sign    -secret-env VAR [-timestamp T] [-data-file F] < body
//	webhook verify  -secret-env VAR -signature H [-tolerance D | -no-tolerance] < body
//	webhook secret
//
// Each command takes -h. Exit status: 0 success, 1 failure (such as an
// invalid signature or an undelivered message), 2 usage error.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}))
}
