package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/signedhooks/webhook/cmd/webhook/internal/capture"
)

// maxEntry bounds the /history/{n} answer replay reads: a body of the
// largest size listen keeps, with its indented copy, escaped.
const maxEntry = 64 << 20

func runReplay(e *env, args []string) error {
	fs := newFlags(e, "replay", "N -to URL [-from LISTEN] [-secret-env VAR [-scheme S]]",
		`Replay sends delivery number N, as captured by a running "webhook listen",
to URL again: its method, headers and body byte for byte. With a secret it
is signed afresh now in the -scheme given, under its original message id;
without one the original signature goes as is, which a receiver refuses
once its tolerance has passed. It prints the answer and exits 0 when it
was 2xx.`)
	to := fs.String("to", "", "`URL` to send the delivery to (required)")
	from := fs.String("from", "http://"+defaultAddr, "base `URL` of the running listen")
	var sec secretFlags
	sec.register(fs)
	scheme := fs.String("scheme", "native", schemeUsage)
	timeout := fs.Duration("timeout", 30*time.Second, "time limit of the fetch and of the replay")
	// The number comes first, as in "webhook replay 3 -to URL".
	var n int64
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		var err error
		if n, err = strconv.ParseInt(args[0], 10, 64); err != nil || n < 1 {
			return usagef("the delivery number must be a positive integer")
		}
		args = args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case n == 0:
		return usagef("which delivery? give its number first: webhook replay N -to URL")
	case *to == "":
		return usagef("-to is required")
	case *timeout <= 0:
		return usagef("-timeout must be positive")
	}
	var opts capture.ReplayOptions
	if sec.given(fs) {
		secret, err := sec.loadText(fs)
		if err != nil {
			return err
		}
		if _, opts.Signer, err = newScheme(*scheme, secret, checkOptions{tolerance: time.Minute}); err != nil {
			return err
		}
	} else if isSet(fs, "scheme") {
		return usagef("-scheme needs a secret: -secret-env VAR (or -secret)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	d, err := fetchDelivery(ctx, strings.TrimSuffix(*from, "/"), n)
	if err != nil {
		return err
	}
	f, err := capture.Replay(ctx, d, *to, &opts)
	if err != nil {
		return err
	}
	if f.Status == 0 {
		fmt.Fprintf(e.stderr, "webhook replay: #%d not delivered to %s: %s\n", n, redactURL(*to), oneLine([]byte(f.Error), 200))
		return errReported
	}
	how := "with its original headers"
	if opts.Signer != nil {
		how = "signed afresh"
	}
	fmt.Fprintf(e.stdout, "replayed #%d to %s %s: %d in %.1fms\n", n, redactURL(*to), how, f.Status, f.DurationMS)
	if answer := oneLine([]byte(f.Body), 200); answer != "" && f.BodyEncoding == capture.EncodingText {
		fmt.Fprintf(e.stdout, "answer: %s\n", answer)
	}
	if f.Status < 200 || f.Status > 299 {
		return errReported
	}
	return nil
}

// fetchDelivery reads delivery n from the listen at base.
func fetchDelivery(ctx context.Context, base string, n int64) (*capture.Delivery, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/history/"+strconv.FormatInt(n, 10), nil)
	if err != nil {
		return nil, usagef("-from must be the base URL of a running listen, such as http://%s", defaultAddr)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is shown redacted
		}
		return nil, fmt.Errorf("reaching listen at %s: %w", redactURL(base), err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, fmt.Errorf("delivery #%d is not in the history of the listen at %s", n, redactURL(base))
	default:
		return nil, fmt.Errorf("listen at %s answered %d", redactURL(base), resp.StatusCode)
	}
	var d capture.Delivery
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxEntry)).Decode(&d); err != nil {
		return nil, fmt.Errorf("reading delivery #%d: %w", n, err)
	}
	return &d, nil
}
