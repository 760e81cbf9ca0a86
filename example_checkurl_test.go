package webhook_test

import (
	"errors"
	"fmt"

	"github.com/signedhooks/webhook"
)

// ExampleCheckURL refuses a customer's endpoint URL when it is registered,
// by the rule the Sender's guard applies when connecting.
func ExampleCheckURL() {
	for _, u := range []string{
		"https://example.com/hooks",
		"http://0x7f000001/admin",
		"http://[::ffff:169.254.169.254]/latest/meta-data",
		"ftp://example.com/",
	} {
		err := webhook.CheckURL(u, nil)
		switch {
		case errors.Is(err, webhook.ErrBlockedAddress):
			fmt.Println("refused:", err)
		case errors.Is(err, webhook.ErrInvalidURL):
			fmt.Println("invalid:", err)
		default:
			fmt.Println("ok:", u)
		}
	}
	// Output:
	// ok: https://example.com/hooks
	// refused: webhook: destination address not allowed: host "0x7f000001" is 127.0.0.1, a loopback address
	// refused: webhook: destination address not allowed: host "::ffff:169.254.169.254" is 169.254.169.254, a link-local address
	// invalid: webhook: invalid destination URL: want an absolute http or https URL with a host
}
