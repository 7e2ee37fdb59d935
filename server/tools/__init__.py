"""Benchmarks, the soak and fault suites, the demo and the documentation's screenshots."""
