module github.com/signedhooks/webhook

go 1.23.0
