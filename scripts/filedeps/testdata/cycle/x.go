package cycle

func X(n int) int {
	if n == 0 {
		return 0
	}
	return Y(n - 1)
}
