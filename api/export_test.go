package api

// SetLinked stands in for the notification link going down or coming back:
// a test cannot hold the real one down, since the listener reconnects at
// once.
func (s *Server) SetLinked(up bool) { s.setLinked(up) }
