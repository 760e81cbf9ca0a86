module github.com/signedhooks/webhook/internal/compat

go 1.23.0

require (
	github.com/google/go-github/v74 v74.0.0
	github.com/signedhooks/webhook v0.0.0-00010101000000-000000000000
	github.com/standard-webhooks/standard-webhooks/libraries v0.0.1
	github.com/stretchr/testify v1.12.1
	github.com/stripe/stripe-go/v82 v82.5.1
)

require (
	github.com/google/go-querystring v1.1.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/time v0.12.0 // indirect
)

replace github.com/signedhooks/webhook => ../../
