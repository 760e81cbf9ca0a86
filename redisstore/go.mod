module github.com/signedhooks/webhook/redisstore

go 1.23.0

replace github.com/signedhooks/webhook => ../

require (
	github.com/redis/go-redis/v9 v9.18.0
	github.com/signedhooks/webhook v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	go.uber.org/atomic v1.11.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/time v0.12.0 // indirect
)
