"""dmkb: the Disorder Mechanisms Knowledge Base."""

__version__ = "0.1.0"
