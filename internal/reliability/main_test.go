package reliability

import (
	"flag"
	"strconv"
	"testing"

	"github.com/streamkit/skylark-lambda/internal/testenv"
)

// longRun selects the long load run: 1,000 messages instead of 150.
var longRun = flag.Bool("reliability.long", false,
	"run the load test with 1,000 messages instead of 150")

// loadSeed seeds the load test's message mix and fault injection, so a
// failing run can be repeated.
var loadSeed = flag.Uint64("reliability.seed", 1, "seed of the load test's message mix and faults")

// parallelRows is how many fault-matrix rows run at once. The rows spend
// most of their time waiting on deadlines, backoffs and sockets, so more
// rows than cores keep the matrix short without loading the machine.
const parallelRows = 8

func TestMain(m *testing.M) {
	flag.Parse()
	raiseParallel(parallelRows)
	testenv.Main(m)
}

// raiseParallel sets -test.parallel to n unless the command line set it:
// go test otherwise runs only GOMAXPROCS parallel subtests at once.
func raiseParallel(n int) {
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	f := flag.Lookup("test.parallel")
	if explicit || f == nil {
		return
	}
	if current, err := strconv.Atoi(f.Value.String()); err == nil && current < n {
		_ = f.Value.Set(strconv.Itoa(n))
	}
}
