package layered

func B() int { return C() }
