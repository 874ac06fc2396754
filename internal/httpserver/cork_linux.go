package httpserver

import "syscall"

// canCork is whether this system has TCP_CORK.
const canCork = true

// cork and uncork set and clear TCP_CORK on a socket. They are functions
// of their own, not closures, so that RawConn.Control takes them without
// allocating. A failure is left unreported: it leaves the socket's writes
// going out as they are made, as without WriteBody.
func cork(fd uintptr) {
	syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK, 1) //nolint:errcheck // see above
}

func uncork(fd uintptr) {
	syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK, 0) //nolint:errcheck // see above
}
