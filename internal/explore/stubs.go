package explore

type pairScenario struct{ Type, Name string }
type lockScenario struct{ Name string }
type callbackScenario struct{ Name string }

func pairScenarios(bool) []pairScenario                 { return nil }
func lockScenarios(bool) []lockScenario                 { return nil }
func callbackScenarios(bool) []callbackScenario         { return nil }
func (x *explorer) explorePair(pairScenario) error      { return nil }
func (x *explorer) exploreLock(lockScenario) error      { return nil }
func (x *explorer) exploreCallbacks(callbackScenario) error { return nil }
