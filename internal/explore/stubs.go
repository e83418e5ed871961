package explore

type lockScenario struct{ Name string }
type callbackScenario struct{ Name string }

func lockScenarios(bool) []lockScenario                     { return nil }
func callbackScenarios(bool) []callbackScenario             { return nil }
func (x *explorer) exploreLock(lockScenario) error          { return nil }
func (x *explorer) exploreCallbacks(callbackScenario) error { return nil }
