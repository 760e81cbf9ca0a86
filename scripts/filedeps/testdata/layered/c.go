package layered

type T struct{ B int } // a field named like B: no use of b.go

func C() int { var t T; return t.B }
