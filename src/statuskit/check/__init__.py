"""``statuskit check``: prove a live server's status codes, code by code."""

from statuskit.check.plan import Plan, PlanError, load_plan, plan_from_document
from statuskit.check.runner import Options, check_server
from statuskit.check.verdict import Outcome, Verdict

__all__ = [
    "Options",
    "Outcome",
    "Plan",
    "PlanError",
    "Verdict",
    "check_server",
    "load_plan",
    "plan_from_document",
]
