"""shotcraft: a typed film plan carried from intention to finished master."""

__version__ = "0.1.0"
