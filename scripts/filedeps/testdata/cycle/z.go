package cycle

func Z() int { return 1 }
