"""An integration's mappings: the tool's priorities, statuses and routing fields in Accord's terms.

- priorities: tool value → 1-5 (`{"Highest": 1}`; ServiceNow `{"1": 1}`). Keys match without
  regard to case; a value like "1 - Critical" also matches the key "1".
- states: tool status → one of STATES (`{"Waiting for customer": "paused"}`).
- routing: an ordered list of rules `{"field": "project", "value": "HR", "service": "payroll",
  "business_unit": "finance"}`; the first rule that matches a ticket names its service.

An empty mapping means the defaults of the kind (DEFAULT_PRIORITIES, DEFAULT_STATES).
Everything here is pure: the admin and the webhooks pass in what they know of the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

JIRA, SERVICENOW, ZENDESK = "jira", "servicenow", "zendesk"
KINDS = (JIRA, SERVICENOW, ZENDESK)

# What a tool status means for the ticket. "responded" is "open" and, the first time, counts
# as IT's first response (e.g. Jira "In Progress", ServiceNow 2 In Progress).
OPEN, RESPONDED, PAUSED, RESOLVED, CLOSED, CANCELLED = "open", "responded", "paused", "resolved", "closed", "cancelled"
STATES = (OPEN, RESPONDED, PAUSED, RESOLVED, CLOSED, CANCELLED)

ROUTING_FIELDS: dict[str, dict[str, str]] = {
    JIRA: {
        "project": "the project key or name (HR, “Human Resources”)",
        "component": "any of the issue's components",
        "issue_type": "the issue type (Incident, Service request, …)",
        "label": "any of the issue's labels",
    },
    SERVICENOW: {
        "category": "the incident's category",
        "subcategory": "the incident's subcategory",
        "cmdb_ci": "the configuration item (name or sys_id)",
        "assignment_group": "the assignment group (name or sys_id)",
        "business_service": "the business service (name or sys_id)",
        "location": "the location (name or sys_id)",
    },
    ZENDESK: {
        "group": "the group id",
        "brand": "the brand id",
        "form": "the ticket form id",
        "organization": "the organization id",
        "tag": "any of the ticket's tags",
    },
}

DEFAULT_PRIORITIES: dict[str, dict[str, int]] = {
    JIRA: {
        "Highest": 1,
        "Blocker": 1,
        "Critical": 1,
        "High": 2,
        "Major": 2,
        "Medium": 3,
        "Low": 4,
        "Minor": 4,
        "Lowest": 5,
        "Trivial": 5,
    },
    SERVICENOW: {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5},
    # A Zendesk ticket may have no priority at all: "" is that case.
    ZENDESK: {"urgent": 1, "high": 2, "normal": 3, "low": 4, "": 3},
}

DEFAULT_STATES: dict[str, dict[str, str]] = {
    # Jira statuses not listed here follow their status category: To Do and In Progress → open,
    # Done → resolved.
    JIRA: {
        "In Progress": RESPONDED,
        "Waiting for customer": PAUSED,
        "Pending": PAUSED,
        "Waiting for vendor": PAUSED,
        "Resolved": RESOLVED,
        "Done": RESOLVED,
        "Closed": CLOSED,
        "Canceled": CANCELLED,
        "Cancelled": CANCELLED,
        "Declined": CANCELLED,
        "Won't Do": CANCELLED,
    },
    # Table API values, and the display names an export or a display_value carries.
    SERVICENOW: {
        "1": OPEN,
        "2": RESPONDED,
        "3": PAUSED,
        "6": RESOLVED,
        "7": CLOSED,
        "8": CANCELLED,
        "New": OPEN,
        "In Progress": RESPONDED,
        "Active": RESPONDED,
        "On Hold": PAUSED,
        "Awaiting User Info": PAUSED,
        "Awaiting Caller": PAUSED,
        "Awaiting Vendor": PAUSED,
        "Awaiting Problem": PAUSED,
        "Awaiting Change": PAUSED,
        "Awaiting Evidence": PAUSED,
        "Resolved": RESOLVED,
        "Closed": CLOSED,
        "Canceled": CANCELLED,
        "Cancelled": CANCELLED,
    },
    ZENDESK: {
        "new": OPEN,
        "open": OPEN,
        "pending": PAUSED,
        "hold": PAUSED,
        "solved": RESOLVED,
        "closed": CLOSED,
        "deleted": CANCELLED,
    },
}

EXAMPLES: dict[str, dict[str, Any]] = {
    JIRA: {
        "priorities": {"Highest": 1, "High": 2, "Medium": 3, "Low": 4},
        "states": {"Waiting for customer": "paused", "In Progress": "responded"},
        "routing": [
            {"field": "project", "value": "HR", "service": "payroll"},
            {"field": "component", "value": "VPN", "service": "remote-access", "business_unit": "sales"},
        ],
    },
    SERVICENOW: {
        "priorities": {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5},
        "states": {"3": "paused", "6": "resolved"},
        "routing": [
            {"field": "cmdb_ci", "value": "SAP ERP", "service": "finance-erp"},
            {"field": "assignment_group", "value": "Network", "service": "network"},
        ],
    },
    ZENDESK: {
        "priorities": {"urgent": 1, "high": 2, "normal": 3, "low": 4, "": 3},
        "states": {"pending": "paused", "hold": "paused"},
        "routing": [{"field": "group", "value": "360001234567", "service": "service-desk"}],
    },
}


def normalise(value: Any) -> str:
    """How mapping keys and tool values are compared: as text, trimmed, without case."""
    return "" if value is None else str(value).strip().casefold()


_LEADING_NUMBER = re.compile(r"^(\d+)\s*-")


@dataclass(frozen=True)
class RoutingRule:
    field: str
    value: str
    service: str
    business_unit: str | None = None


@dataclass(frozen=True)
class IntegrationConfig:
    """An integration as the translators see it: no database, mappings already normalised."""

    kind: str
    source: str
    priorities: Mapping[str, int] = field(default_factory=dict)
    states: Mapping[str, str] = field(default_factory=dict)
    routing: tuple[RoutingRule, ...] = ()
    default_service: str | None = None
    default_business_unit: str | None = None
    default_priority: int = 3  # for a ticket sent without any priority

    @classmethod
    def build(
        cls,
        *,
        kind: str,
        source: str,
        priorities: Mapping[str, int] | None = None,
        states: Mapping[str, str] | None = None,
        routing: Iterable[Mapping[str, Any]] = (),
        default_service: str | None = None,
        default_business_unit: str | None = None,
        default_priority: int = 3,
    ) -> IntegrationConfig:
        """From stored (already validated) mappings; an empty mapping means the kind's defaults."""
        priorities = priorities or DEFAULT_PRIORITIES[kind]
        states = states or DEFAULT_STATES[kind]
        return cls(
            kind=kind,
            source=source,
            priorities={normalise(k): int(v) for k, v in priorities.items()},
            states={normalise(k): str(v) for k, v in states.items()},
            routing=tuple(
                RoutingRule(
                    field=str(rule["field"]),
                    value=normalise(rule["value"]),
                    service=str(rule["service"]),
                    business_unit=rule.get("business_unit") or None,
                )
                for rule in routing
            ),
            default_service=default_service,
            default_business_unit=default_business_unit,
            default_priority=default_priority,
        )

    def priority_for(self, value: Any) -> int | None:
        """Accord's priority for a tool priority, or None when the mapping has none."""
        key = normalise(value)
        if key in self.priorities:
            return self.priorities[key]
        number = _LEADING_NUMBER.match(key)
        if number and number.group(1) in self.priorities:
            return self.priorities[number.group(1)]
        return None

    def state_for(self, value: Any) -> str | None:
        key = normalise(value)
        if key in self.states:
            return self.states[key]
        number = _LEADING_NUMBER.match(key)
        if number and number.group(1) in self.states:
            return self.states[number.group(1)]
        return None

    def route(self, fields: Mapping[str, Iterable[Any]]) -> tuple[str | None, str | None]:
        """(service slug, business unit slug) for a ticket with these routing field values."""
        values = {name: {normalise(v) for v in found if normalise(v)} for name, found in fields.items()}
        for rule in self.routing:
            if rule.value in values.get(rule.field, ()):
                return rule.service, rule.business_unit or self.default_business_unit
        return self.default_service, self.default_business_unit


def mapping_problems(
    *,
    kind: str,
    priorities: Any,
    states: Any,
    routing: Any,
    service_slugs: Iterable[str],
    unit_slugs: Iterable[str],
) -> dict[str, list[str]]:
    """Field → messages for what is wrong with an integration's mappings. `service_slugs` and
    `unit_slugs` are the slugs that exist (the rules may name only those)."""
    problems: dict[str, list[str]] = {}
    if kind not in KINDS:
        return {"kind": [f"Unknown kind {kind!r}; expected one of {', '.join(KINDS)}."]}
    problems["priorities"] = _priority_problems(priorities)
    problems["states"] = _state_problems(states)
    problems["routing"] = _routing_problems(kind, routing, set(service_slugs), set(unit_slugs))
    return {name: messages for name, messages in problems.items() if messages}


def _priority_problems(priorities: Any) -> list[str]:
    if not isinstance(priorities, dict):
        return ['Give an object of tool priority → 1-5, e.g. {"Highest": 1, "High": 2}, or {} for the defaults.']
    problems = []
    for key, value in priorities.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            problems.append(f"{key!r}: {value!r} is not a priority; use a whole number from 1 to 5.")
    problems.extend(_clashes(priorities, "priority"))
    return problems


def _state_problems(states: Any) -> list[str]:
    if not isinstance(states, dict):
        return ['Give an object of tool status → Accord state, e.g. {"Waiting for customer": "paused"}.']
    problems = [
        f"{key!r}: {value!r} is not one of {', '.join(STATES)}."
        for key, value in states.items()
        if not isinstance(value, str) or value not in STATES
    ]
    problems.extend(_clashes(states, "status"))
    return problems


def _clashes(mapping: dict, what: str) -> list[str]:
    """Keys that differ only in case or spaces would silently shadow each other."""
    seen: dict[str, str] = {}
    problems = []
    for key in mapping:
        norm = normalise(key)
        if norm in seen:
            problems.append(f"{seen[norm]!r} and {key!r} name the same {what}; keep one.")
        seen[norm] = key
    return problems


def _routing_problems(kind: str, routing: Any, service_slugs: set[str], unit_slugs: set[str]) -> list[str]:
    example = '[{"field": "project", "value": "HR", "service": "payroll"}]'
    if not isinstance(routing, list):
        return [f"Give a list of rules, e.g. {example}, or [] for none."]
    fields = ROUTING_FIELDS[kind]
    problems = []
    for number, rule in enumerate(routing, start=1):
        label = f"Rule {number}"
        if not isinstance(rule, dict):
            problems.append(f"{label}: give an object like {example[1:-1]}.")
            continue
        unknown = sorted(set(rule) - {"field", "value", "service", "business_unit"})
        if unknown:
            problems.append(f"{label}: unknown key(s) {', '.join(unknown)}; use field, value, service, business_unit.")
        if rule.get("field") not in fields:
            problems.append(f"{label}: field {rule.get('field')!r} is not one of {', '.join(fields)}.")
        value = rule.get("value")
        if isinstance(value, bool) or not isinstance(value, str | int) or not normalise(value):
            problems.append(f"{label}: give the value to match as text.")
        service = rule.get("service")
        if not service:
            problems.append(f"{label}: name the service (its slug).")
        elif service not in service_slugs:
            problems.append(f"{label}: there is no service with the slug {service!r}.")
        unit = rule.get("business_unit")
        if unit and unit not in unit_slugs:
            problems.append(f"{label}: there is no business unit with the slug {unit!r}.")
    return problems
