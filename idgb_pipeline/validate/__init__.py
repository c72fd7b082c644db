"""Validation of extracted sources with Great Expectations, and the quarantine of failing rows."""
