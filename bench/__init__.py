"""The benchmark of the access rules: a deterministic data generator (`bench.generate`) and
timed scenarios on SQLite and PostgreSQL (`python -m bench`, `make bench`)."""
