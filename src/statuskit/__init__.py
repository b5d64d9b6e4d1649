"""statuskit: HTTP status codes as a contract a service keeps and a client relies on."""

from statuskit.codes import Code, Guidance, Status, lookup

__all__ = ["Code", "Guidance", "Status", "__version__", "lookup"]

__version__ = "0.1.0"
