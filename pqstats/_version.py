"""pqstats' version (one place: the package, manifests and setup read it)."""

__version__ = "0.1.0"
