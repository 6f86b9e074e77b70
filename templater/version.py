"""templater's version, in a module of its own: the SARIF report, the language server and the
caches read it without importing the package's lazy public API (templater/__init__.py)."""

__version__ = "0.1.0"
