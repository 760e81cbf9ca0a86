// Package browsertest drives the relay's status page in a real headless
// Chromium. It is its own module so that the browser driver never becomes
// a dependency of the relay module.
package browsertest
