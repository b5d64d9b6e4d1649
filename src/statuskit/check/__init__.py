"""``statuskit check``: prove a live server's status codes, code by code."""

from statuskit.check.plan import Plan, PlanError, load_plan, plan_from_document
from statuskit.check.profile import DEFAULT_PROFILE, PROFILES, Effect, Level, Profile
from statuskit.check.runner import Options, check_server
from statuskit.check.target import Target, TargetError, parse_target
from statuskit.check.verdict import Outcome, Verdict

__all__ = [
    "DEFAULT_PROFILE",
    "PROFILES",
    "Effect",
    "Level",
    "Options",
    "Outcome",
    "Plan",
    "PlanError",
    "Profile",
    "Target",
    "TargetError",
    "Verdict",
    "check_server",
    "load_plan",
    "parse_target",
    "plan_from_document",
]
