"""Benchmarks run against a separate, seeded PostgreSQL database (see bench/README.md)."""
