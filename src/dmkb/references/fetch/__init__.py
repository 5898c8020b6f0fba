"""Fetching references from their sources: one small client per service, and a runner."""
