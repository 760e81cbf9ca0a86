package layered

func A() int { return B() + C() }
