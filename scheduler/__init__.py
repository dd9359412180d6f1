"""scheduler: when exactly will each person of an outbound call campaign be called, and why then.

A campaign spec (the JSON body of a campaign-create request) becomes a
calendar of calling windows, a deterministic timeline of call attempts
(``plan``), or a live engine that drives a real dialer by the same rules.
"""

from scheduler import outcomes
from scheduler.audit import AuditError, Violation, audit
from scheduler.dialer import Why
from scheduler.engine import CampaignStatus, Decision, DueAttempt, Engine, EngineError, replay
from scheduler.fleet import plan_many
from scheduler.plan import Attempt, Attempts, Expired, Summary, Timeline, plan
from scheduler.run import CustomerState
from scheduler.spec import Campaign, Customer, DaySchedule
from scheduler.tz import TZDATA_VERSION
from scheduler.windows import Calendar, Window

__all__ = [
    "TZDATA_VERSION",
    "Attempt",
    "Attempts",
    "AuditError",
    "Calendar",
    "Campaign",
    "CampaignStatus",
    "Customer",
    "CustomerState",
    "DaySchedule",
    "Decision",
    "DueAttempt",
    "Engine",
    "EngineError",
    "Expired",
    "Summary",
    "Timeline",
    "Violation",
    "Why",
    "Window",
    "audit",
    "outcomes",
    "plan",
    "plan_many",
    "replay",
]
