package store

// CommitOutcome and CommitCheckTimeout let store_test reach an undecided
// COMMIT, which no public call can be made to wait on.
var CommitOutcome = (*Store).commitOutcome

const CommitCheckTimeout = commitCheckTimeout
