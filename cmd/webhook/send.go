package main

import "errors"

func runSend(e *env, args []string) error {
	return errors.New("not yet")
}
