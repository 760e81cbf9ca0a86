module github.com/signedhooks/webhook

go 1.23.0

require (
	github.com/stretchr/testify v1.12.1
	golang.org/x/time v0.12.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
