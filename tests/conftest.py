"""Shared test setup: this directory goes on sys.path so tests can import ``support``."""
