"""Qise benchmarks: `python -m bench` (or `make bench`).

Each benchmark is a module with one `run(...)` coroutine that returns result
rows; `bench.runner` starts the broker, the databases and the services as real
processes, runs the benchmarks in order, prints the table and writes
`bench/results/latest.json`. Every ratio compares two numbers measured in the
same run on the same machine.
"""
