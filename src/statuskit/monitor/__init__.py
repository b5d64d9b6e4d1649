"""The contract on traffic that already exists: ``check``'s rules, applied passively.

``Monitor(app)`` is ASGI middleware that judges every exchange an app answers (or a
sampled share: ``sample=0.01``) by the rules that need no request of their own, and
httplint; ``pytest --statuskit-monitor`` wraps every app a test suite drives with
it; ``statuskit check --har FILE`` applies the same rules to recorded traffic. What
they find is kept once per (rule, route), with a count, and logged once when new::

    from statuskit.monitor import Monitor

    app = Monitor(app, sample=0.01)   # logger "statuskit.monitor", one record a finding
    ...
    app.observer.findings()           # statuskit.check.Finding, one instance a route
"""

from statuskit.monitor._middleware import Monitor, route_of
from statuskit.monitor._observer import OTHER_ROUTES, Observer, Sighting, evidence_of

__all__ = ["OTHER_ROUTES", "Monitor", "Observer", "Sighting", "evidence_of", "route_of"]
