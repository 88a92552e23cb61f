"""Realistic synthetic calls and cases (`flask demo-data`), for trying the product and for benchmarks."""
