"""``statuskit check``: prove a live server's status codes, code by code."""

from statuskit.check.findings import Finding, Instance, Reproducer
from statuskit.check.plan import Plan, PlanError, load_plan, plan_from_document
from statuskit.check.profile import DEFAULT_PROFILE, PROFILES, Effect, Profile
from statuskit.check.record import Exchange
from statuskit.check.rules import Level, Problem, Rule
from statuskit.check.runner import Options, check_server
from statuskit.check.target import Target, TargetError, parse_target
from statuskit.check.verdict import Outcome, Verdict, findings

__all__ = [
    "DEFAULT_PROFILE",
    "PROFILES",
    "Effect",
    "Exchange",
    "Finding",
    "Instance",
    "Level",
    "Options",
    "Outcome",
    "Plan",
    "PlanError",
    "Problem",
    "Profile",
    "Reproducer",
    "Rule",
    "Target",
    "TargetError",
    "Verdict",
    "check_server",
    "findings",
    "load_plan",
    "parse_target",
    "plan_from_document",
]
