package capture_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/signedhooks/webhook/cmd/webhook/internal/capture"
)

func ExampleServer() {
	s, err := capture.New(nil) // captures at /webhook, keeps 1000 deliveries
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	defer s.Close()

	resp, err := http.Post(srv.URL+"/webhook", "application/json", strings.NewReader(`{"event":"ping"}`))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("sender got", resp.StatusCode)

	resp, err = http.Get(srv.URL + "/history/1")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var d capture.Delivery
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		panic(err)
	}
	fmt.Println(d.Seq, d.Method, d.Path, d.Type, d.Verdict, d.BodyEncoding)
	fmt.Println(d.Body)
	fmt.Println(d.Pretty)
	// Output:
	// sender got 200
	// 1 POST /webhook ping unchecked text
	// {"event":"ping"}
	// {
	//   "event": "ping"
	// }
}
