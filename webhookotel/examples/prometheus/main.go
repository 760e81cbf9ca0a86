// Command prometheus is a provider and a consumer of webhooks in one
// process, both instrumented with webhookotel and exporting their metrics
// to Prometheus through the OpenTelemetry Prometheus exporter. It sends a
// few messages, one of them failing once, prints the webhook lines of
// /metrics, and with -serve keeps /metrics up for a Prometheus to scrape.
//
//	go run . -serve
//	curl -s localhost:9464/metrics | grep ^webhook_
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/webhookotel"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9464", "address of /metrics and /webhooks with -serve")
	messages := flag.Int("n", 3, "messages to send")
	serve := flag.Bool("serve", false, "keep serving /metrics until interrupted")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	listen := "127.0.0.1:0"
	if *serve {
		listen = *addr
	}
	if err := run(ctx, os.Stdout, listen, *messages, *serve); err != nil {
		log.Fatal(err)
	}
}

// run serves the consumer and /metrics on listen, sends n messages to the
// consumer, writes the webhook_ lines of /metrics to w, and with serve
// waits for ctx to end.
func run(ctx context.Context, w io.Writer, listen string, n int, serve bool) error {
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return err
	}
	meters := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer meters.Shutdown(context.Background()) //nolint:errcheck
	tel := &webhookotel.Options{MeterProvider: meters}

	secret, err := webhook.NewSecret()
	if err != nil {
		return err
	}
	verifier, err := webhook.NewVerifier(secret, nil)
	if err != nil {
		return err
	}
	var calls atomic.Int64
	events := webhook.NewMux(nil)
	events.HandleFunc("invoice.paid", func(ctx context.Context, e webhook.Event) error {
		if calls.Add(1) == 1 {
			return fmt.Errorf("the first delivery fails, to show a retry")
		}
		return nil
	})
	routes := http.NewServeMux()
	routes.Handle("POST /webhooks", webhookotel.Middleware(verifier, nil, tel)(events))
	routes.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: routes}
	go srv.Serve(ln) //nolint:errcheck
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	sender, err := webhookotel.NewSender(&webhook.SenderOptions{
		Secret: secret,
		Retry:  webhook.Backoff{Rand: func() float64 { return 0 }}, // retry at once
	}, tel)
	if err != nil {
		return err
	}
	defer sender.CloseIdleConnections()
	for i := range n {
		msg := webhook.Message{ID: fmt.Sprintf("msg_%d", i+1), Type: "invoice.paid", Data: map[string]int{"amount": 100 * (i + 1)}}
		if _, err := sender.Send(ctx, base+"/webhooks", msg); err != nil {
			return err
		}
	}

	if err := printMetrics(ctx, w, base+"/metrics"); err != nil {
		return err
	}
	if serve {
		fmt.Fprintf(w, "serving %s/metrics until interrupted\n", base)
		<-ctx.Done()
	}
	return nil
}

// printMetrics writes the counter lines of the webhook metrics at url.
func printMetrics(ctx context.Context, w io.Writer, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "webhook_") && strings.Contains(line, "_total{") {
			fmt.Fprintln(w, line)
		}
	}
	return sc.Err()
}
