// Package browsertest drives the live page of "webhook listen" in a real
// headless Chromium. It is its own module so that the browser driver never
// becomes a dependency of the webhook module.
package browsertest
