"""The status-code contract for the Starlette and FastAPI apps people already have.

``install(app)`` derives the method contract from the app's own route table, turns its
errors into problem+json with RFC 9110's 400/415/422 split and puts the ``Guard`` in
front. FastAPI is imported only by the helpers that need it, and only when the app
uses them.
"""

from statuskit.starlette._install import install

__all__ = ["install"]
