package scaffold_test

import (
	"testing"
	"time"

	"github.com/callboard/callboard/scaffold"
	"github.com/callboard/callboard/scaffold/scaffoldtest"
)

func TestMemStateMeetsTheStateContract(t *testing.T) {
	scaffoldtest.RunStateSuite(t,
		func(*testing.T) scaffold.JobStore { return scaffold.NewMemJobStore() },
		func(*testing.T) scaffold.Queue {
			q := scaffold.NewMemQueue()
			q.Visibility = 200 * time.Millisecond
			return q
		},
		200*time.Millisecond)
}
