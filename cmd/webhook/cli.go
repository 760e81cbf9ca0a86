package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// env is what a command may touch, so tests can run commands in process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(e *env, args []string) error
}

var commands = []command{
	{"listen", "capture deliveries; serve their history and a live page", runListen},
	{"send", "sign and deliver a message, retrying as a provider would", runSend},
	{"replay", "send a delivery captured by listen again, to a URL", runReplay},
	{"sign", "print the signature header for a body", runSign},
	{"verify", "check a signature header against a body", runVerify},
	{"secret", "print a new random secret", runSecret},
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// errReported means the command already told the user why it failed.
var errReported = errors.New("failure reported")

func run(args []string, e *env) int {
	if len(args) == 0 {
		printUsage(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		printUsage(e.stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name != name {
			continue
		}
		err := c.run(e, args[1:])
		var ue *usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.Is(err, errFlagParse):
			return exitUsage
		case errors.As(err, &ue):
			fmt.Fprintf(e.stderr, "webhook %s: %s\nRun 'webhook %s -h' for usage.\n", name, ue.msg, name)
			return exitUsage
		case errors.Is(err, errReported):
			return exitFailure
		default:
			fmt.Fprintf(e.stderr, "webhook %s: %v\n", name, err)
			return exitFailure
		}
	}
	// The unknown word is not echoed: it might be a secret typed in the
	// wrong place.
	fmt.Fprintf(e.stderr, "webhook: unknown command\n\n")
	printUsage(e.stderr)
	return exitUsage
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "webhook signs, verifies, sends and captures webhooks.\n\nUsage:\n\n  webhook <command> [flags]\n\nCommands:\n\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'webhook <command> -h' for a command's flags.\nExit status: 0 success, 1 failure, 2 usage error.\n")
}

// errFlagParse means the flag package already printed the problem.
var errFlagParse = errors.New("bad flags")

// newFlags returns a flag set that prints its usage, synopsis first, to
// e.stderr.
func newFlags(e *env, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("webhook "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: webhook %s %s\n\n%s\n\nFlags:\n", name, synopsis, about)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; positional arguments are a usage error, and are not
// echoed since one of them may be a misplaced secret. For the same reason
// a bad flag is reported in parse's own words, which name the flag but
// never repeat a word of the command line (the flag package's messages
// quote the value, or the unknown flag).
func parse(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(out, "%s: %s\n", fs.Name(), flagError(fs, err))
		}
		fs.Usage()
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errFlagParse
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument (flags must come before any other word; this command takes no arguments)")
	}
	return nil
}

// flagError says what is wrong with the command line that fs.Parse
// refused with err, naming the flag only when it is one of fs's own.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	name := ""
	fs.VisitAll(func(f *flag.Flag) {
		// The flag package ends its messages with "-name" or puts
		// "-name:" before the reason.
		if (strings.HasSuffix(msg, " -"+f.Name) || strings.Contains(msg, " -"+f.Name+":")) && len(f.Name) > len(name) {
			name = f.Name
		}
	})
	switch {
	case strings.HasPrefix(msg, "flag provided but not defined"):
		return "unknown flag (not repeated here: it might be a secret typed in the wrong place)"
	case name != "" && strings.HasPrefix(msg, "flag needs an argument"):
		return "flag -" + name + " needs a value"
	case name != "":
		return "invalid value for flag -" + name
	}
	return "malformed flag"
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// maxInput bounds a body read from stdin or a file.
const maxInput = 64 << 20

// bodyFlags are the ways a command takes a body.
type bodyFlags struct {
	data, file string
}

func (b *bodyFlags) register(fs *flag.FlagSet, what string) {
	fs.StringVar(&b.data, "data", "", what+" given inline")
	fs.StringVar(&b.file, "data-file", "", "file holding the "+what+" (\"-\" for standard input; default: standard input)")
}

// read returns the body from -data, -data-file or standard input, exactly
// as given (no newline is added or removed: the signature covers bytes).
func (b *bodyFlags) read(fs *flag.FlagSet, stdin io.Reader) ([]byte, error) {
	if isSet(fs, "data") && isSet(fs, "data-file") {
		return nil, usagef("-data and -data-file are mutually exclusive")
	}
	if isSet(fs, "data") {
		return []byte(b.data), nil
	}
	var r io.Reader = stdin
	if b.file != "" && b.file != "-" {
		f, err := os.Open(b.file)
		if err != nil {
			// Not the *PathError: the path might be a misplaced secret.
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, fmt.Errorf("opening -data-file: %w", err)
		}
		defer f.Close()
		r = f
	}
	body, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	if len(body) > maxInput {
		return nil, fmt.Errorf("body over %d bytes", maxInput)
	}
	return body, nil
}
