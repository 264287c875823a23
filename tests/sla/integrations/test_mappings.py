"""Mappings: defaults per kind, lookups without regard to case, routing order, and the checks
the admin runs (JSON shape, priorities 1-5, known states, services and units that exist)."""

import pytest
from django.core.exceptions import ValidationError

from sla.integrations import mappings as m
from sla.integrations.mappings import IntegrationConfig, mapping_problems
from sla.integrations.services import integration_create
from tests import factories as f


def config(kind="jira", **kwargs):
    return IntegrationConfig.build(kind=kind, source=kind, **kwargs)


@pytest.mark.parametrize(
    ("kind", "value", "priority"),
    [
        ("jira", "Highest", 1),
        ("jira", "  medium ", 3),
        ("jira", "Lowest", 5),
        ("servicenow", "1", 1),
        ("servicenow", "1 - Critical", 1),
        ("servicenow", "5", 5),
        ("zendesk", "URGENT", 1),
        ("zendesk", None, 3),
        ("jira", "Whatever", None),
        ("servicenow", "7", None),
    ],
)
def test_default_priorities(kind, value, priority):
    assert config(kind).priority_for(value) == priority


@pytest.mark.parametrize(
    ("kind", "value", "state"),
    [
        ("servicenow", "3", "paused"),
        ("servicenow", "On Hold", "paused"),
        ("servicenow", "Awaiting User Info", "paused"),
        ("servicenow", "2", "responded"),
        ("servicenow", "8", "cancelled"),
        ("zendesk", "pending", "paused"),
        ("zendesk", "HOLD", "paused"),
        ("zendesk", "solved", "resolved"),
        ("zendesk", "deleted", "cancelled"),
        ("jira", "Waiting for customer", "paused"),
        ("jira", "Escalated", None),
    ],
)
def test_default_states(kind, value, state):
    assert config(kind).state_for(value) == state


def test_a_stored_mapping_replaces_the_defaults():
    custom = config(priorities={"P1": 1}, states={"Blocked": "paused"})
    assert custom.priority_for("p1") == 1 and custom.priority_for("Highest") is None
    assert custom.state_for("blocked") == "paused" and custom.state_for("Waiting for customer") is None


def test_routing_takes_the_first_matching_rule_else_the_defaults():
    routed = config(
        routing=[
            {"field": "component", "value": "VPN", "service": "remote-access"},
            {"field": "project", "value": "hr", "service": "payroll", "business_unit": "finance"},
        ],
        default_service="service-desk",
        default_business_unit="everyone",
    )
    both = {"project": ["HR", "Human Resources"], "component": ["vpn"]}
    assert routed.route(both) == ("remote-access", "everyone")
    assert routed.route({"project": ["HR"], "component": []}) == ("payroll", "finance")
    assert routed.route({"project": ["OPS"]}) == ("service-desk", "everyone")
    assert config().route({"project": ["OPS"]}) == (None, None)


def problems(kind="jira", priorities=None, states=None, routing=None):
    return mapping_problems(
        kind=kind,
        priorities={} if priorities is None else priorities,
        states={} if states is None else states,
        routing=[] if routing is None else routing,
        service_slugs={"payroll"},
        unit_slugs={"finance"},
    )


def test_empty_mappings_are_fine():
    assert problems() == {}


@pytest.mark.parametrize(
    ("priorities", "words"),
    [
        ([1, 2], "Give an object"),
        ({"Highest": 0}, "'Highest': 0 is not a priority"),
        ({"Highest": 6}, "whole number from 1 to 5"),
        ({"Highest": "1"}, "'1' is not a priority"),
        ({"Highest": True}, "is not a priority"),
        ({"High": 2, " high": 2}, "name the same priority"),
    ],
)
def test_priority_problems(priorities, words):
    assert words in " ".join(problems(priorities=priorities)["priorities"])


def test_state_problems():
    found = problems(states={"Blocked": "stuck", "Done": "resolved"})["states"]
    assert found == ["'Blocked': 'stuck' is not one of open, responded, paused, resolved, closed, cancelled."]
    assert "Give an object" in problems(states="paused")["states"][0]


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"field": "project", "value": "HR", "service": "nope"}, "no service with the slug 'nope'"),
        ({"field": "project", "value": "HR", "service": "payroll", "business_unit": "x"}, "no business unit"),
        ({"field": "category", "value": "HR", "service": "payroll"}, "field 'category' is not one of project"),
        ({"field": "project", "value": "", "service": "payroll"}, "give the value to match"),
        ({"field": "project", "value": "HR"}, "name the service"),
        ({"field": "project", "value": "HR", "service": "payroll", "priority": 1}, "unknown key(s) priority"),
        ("project=HR", "give an object"),
    ],
)
def test_routing_problems_name_the_rule(rule, words):
    found = problems(routing=[{"field": "project", "value": "OK", "service": "payroll"}, rule])["routing"]
    assert len(found) == 1 and found[0].startswith("Rule 2:") and words in found[0]


def test_routing_must_be_a_list():
    assert "Give a list of rules" in problems(routing={"project": "HR"})["routing"][0]


def test_routing_fields_differ_by_kind():
    rule = {"field": "cmdb_ci", "value": "SAP", "service": "payroll"}
    assert problems(kind="servicenow", routing=[rule]) == {}
    assert "routing" in problems(kind="zendesk", routing=[rule])


def test_every_example_and_default_passes_its_own_checks():
    for kind in m.KINDS:
        example = m.EXAMPLES[kind]
        slugs = {rule["service"] for rule in example["routing"]}
        units = {rule.get("business_unit") for rule in example["routing"]} - {None}
        assert mapping_problems(kind=kind, **example, service_slugs=slugs, unit_slugs=units) == {}
        assert (
            mapping_problems(
                kind=kind,
                priorities=m.DEFAULT_PRIORITIES[kind],
                states=m.DEFAULT_STATES[kind],
                routing=[],
                service_slugs=(),
                unit_slugs=(),
            )
            == {}
        )


@pytest.mark.django_db
def test_the_model_refuses_bad_mappings_and_a_missing_secret():
    f.ServiceFactory(slug="payroll")
    with pytest.raises(ValidationError) as caught:
        integration_create(
            kind="servicenow",
            name="SN",
            slug="sn",
            priorities={"1": 9},
            routing=[{"field": "cmdb_ci", "value": "SAP", "service": "erp"}],
        )
    errors = caught.value.message_dict
    assert set(errors) == {"priorities", "routing", "secret"}
    assert "ServiceNow deliveries are signed" in errors["secret"][0]
    integration = integration_create(
        kind="servicenow",
        name="SN",
        slug="sn",
        secret="s3cret",
        routing=[{"field": "cmdb_ci", "value": "SAP", "service": "payroll"}],
    )
    assert integration.pk and integration.priorities == {}  # {} = the defaults of the kind
    jira = integration_create(kind="jira", name="Jira", slug="jira")  # Jira may go unsigned
    assert jira.secret == ""
