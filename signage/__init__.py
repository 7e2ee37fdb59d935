"""Hall signage: queue hub, wall screens and voice for public-service halls."""

__version__ = "0.1.0"
