// Package core is the machinery that package durable and package
// durable/endpoints share, below both of them: the job kinds and queues
// every Runtime declares, the backends and the one SQL layer, the retry
// arithmetic, the signed-time rule of a job's runs and the link through
// which endpoints reach the internals of a durable.Runtime without an
// exported escape hatch. Nothing here is part of the module's public API.
package core
