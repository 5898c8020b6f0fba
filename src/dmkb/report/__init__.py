"""Renderers of validation reports: text for people, JSON for programs."""
