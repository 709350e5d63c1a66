"""Minimal stand-in for the `packaging` distribution (not installed on the Debian bench machine).

ART imports only `packaging.version.parse` and compares the results with < / >=; this shim
provides exactly that. Used only by bench/robustness and scripts/robustness/art-*.py via PYTHONPATH.
"""
