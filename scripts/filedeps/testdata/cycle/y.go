package cycle

func Y(n int) int { return X(n) + Z() }
