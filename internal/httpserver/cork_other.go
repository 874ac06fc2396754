//go:build !linux

package httpserver

// canCork is whether this system has TCP_CORK: Linux's alone.
const canCork = false

func cork(uintptr)   {}
func uncork(uintptr) {}
