package stripesig_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/stripesig"
)

// A receiver checks the Stripe-Signature header with the endpoint's signing
// secret, used exactly as Stripe shows it.
func ExampleVerifier_Verify() {
	now := time.Unix(1700000000, 0)
	v, err := stripesig.NewVerifier(
		[]string{"whsec_plAC3bBEVyAf8kF1cLcJeEXyW8nyvNBs"},
		&stripesig.VerifierOptions{Now: func() time.Time { return now }},
	)
	if err != nil {
		panic(err)
	}
	body := []byte(`{"id":"evt_1","type":"invoice.paid"}`)
	header := stripesig.Sign([]string{"whsec_plAC3bBEVyAf8kF1cLcJeEXyW8nyvNBs"}, now.Add(-time.Minute), body)

	fmt.Println(v.Verify(header, body))
	err = v.Verify(header, []byte(`{"id":"evt_2"}`))
	fmt.Println(errors.Is(err, webhook.ErrNoMatchingSignature))
	// Output:
	// <nil>
	// true
}

// The middleware calls Authenticate; the event id and type come from the
// signed body.
func ExampleVerifier_Authenticate() {
	now := time.Unix(1700000000, 0)
	secret := "whsec_plAC3bBEVyAf8kF1cLcJeEXyW8nyvNBs"
	v, _ := stripesig.NewVerifier([]string{secret}, &stripesig.VerifierOptions{Now: func() time.Time { return now }})
	body := []byte(`{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","data":{"object":{"id":"in_1"}},"type":"invoice.paid"}`)
	r := httptest.NewRequest(http.MethodPost, "/stripe", strings.NewReader(string(body)))
	r.Header.Set("Stripe-Signature", stripesig.Sign([]string{secret}, now, body))

	a, err := v.Authenticate(r, body)
	fmt.Println(a.ID, a.Type, err)
	// Output:
	// evt_1NG8Du2eZvKYlo2CUI79vXWy invoice.paid <nil>
}

func ExampleSign() {
	fmt.Println(stripesig.Sign([]string{"whsec_plAC3bBEVyAf8kF1cLcJeEXyW8nyvNBs"}, time.Unix(1614265330, 0), []byte(`{}`)))
	// Output:
	// t=1614265330,v1=ac56f5d661ea334e1624ed47c37ef28cfd08aecdbe6dc0e8f0076f9e5d9760e9
}
