"""The board's ranking: business impact = criticality weight x how far gone, then time left."""

from datetime import UTC, datetime, timedelta

import pytest

from sla.risks import ranking

NOW = datetime(2026, 11, 16, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("facts", "impact", "gone"),
    [
        ({"criticality": 1, "kind": "clock_breach"}, 4.0, 1.0),
        ({"criticality": 1, "kind": "clock_warning", "severity": "warning"}, 2.4, 0.6),
        ({"criticality": 4, "kind": "clock_warning", "severity": "warning"}, 0.6, 0.6),
        ({"criticality": 2, "kind": "commitment_at_risk", "severity": "critical"}, 2.4, 0.8),
        ({"criticality": 3, "kind": "agreement_review_due", "severity": "info"}, 0.6, 0.3),
        # Past its due time: gone, whatever the severity said.
        ({"criticality": 3, "kind": "agreement_review_due", "severity": "info", "due_at": NOW}, 2.0, 1.0),
        ({"criticality": 1, "kind": "measure_missed", "state": "acknowledged"}, 2.0, 1.0),
        ({"criticality": None, "kind": "follow_up_overdue"}, 1.0, 1.0),
    ],
)
def test_impact_is_criticality_times_how_far_gone(facts, impact, gone):
    given = {"severity": "warning", "state": "open", "due_at": None, **facts}
    standing = ranking.standing(now=NOW, **given)
    assert (standing.impact, standing.gone) == (impact, gone)


def test_the_board_sorts_by_impact_then_time_left_or_by_time_left():
    def item(criticality, kind, hours):
        due = None if hours is None else NOW + timedelta(hours=hours)
        return ranking.standing(
            kind=kind, severity="warning", state="open", criticality=criticality, due_at=due, now=NOW
        )

    items = {
        "tier 1 warned, due in 5 h": item(1, "clock_warning", 5),
        "tier 1 warned, due in 1 h": item(1, "clock_warning", 1),
        "tier 3 breached 2 h ago": item(3, "clock_breach", -2),
        "tier 4 review, no due": item(4, "agreement_review_due", None),
    }
    by_impact = sorted(items, key=lambda name: ranking.sort_key(items[name]))
    assert by_impact == [
        "tier 1 warned, due in 1 h",
        "tier 1 warned, due in 5 h",
        "tier 3 breached 2 h ago",
        "tier 4 review, no due",
    ]
    by_time = sorted(items, key=lambda name: ranking.sort_key(items[name], sort=ranking.TIME_LEFT))
    assert by_time == [
        "tier 3 breached 2 h ago",
        "tier 1 warned, due in 1 h",
        "tier 1 warned, due in 5 h",
        "tier 4 review, no due",
    ]
    assert items["tier 3 breached 2 h ago"].overdue and not items["tier 1 warned, due in 1 h"].overdue
