"""Helpers shared by tests: real servers on loopback and raw-socket HTTP."""
