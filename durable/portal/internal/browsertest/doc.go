// Package browsertest drives the customer portal (durable/portal) in a
// real headless Chromium. It is its own module so that the browser driver
// never becomes a dependency of the durable module.
package browsertest
