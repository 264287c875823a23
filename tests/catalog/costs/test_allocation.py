"""The pure sharing function: no database."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.costs.allocation import allocate


def test_equal_weights_share_the_odd_cent_to_the_first():
    shares = allocate(Decimal("100.00"), {"a": 1, "b": 1, "c": 1})
    assert shares == {"a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}
    assert sum(shares.values()) == Decimal("100.00")


def test_shares_follow_the_weights():
    shares = allocate(Decimal("1000"), {"sales": 300, "finance": 100})
    assert shares == {"sales": Decimal("750.00"), "finance": Decimal("250.00")}


def test_the_left_over_cents_go_to_the_largest_remainders():
    # 10 cents by 2:2:3: exact 2.857.., 2.857.., 4.285..: floors 2, 2, 4 and the last cent to the largest remainder
    shares = allocate(Decimal("0.10"), {"a": 2, "b": 2, "c": 3})
    assert shares == {"a": Decimal("0.03"), "b": Decimal("0.03"), "c": Decimal("0.04")}


def test_all_weights_zero_falls_back_to_equal_shares():
    assert allocate(Decimal("10.00"), {"a": 0, "b": 0}) == {"a": Decimal("5.00"), "b": Decimal("5.00")}


def test_a_zero_weight_among_others_gets_nothing():
    assert allocate(Decimal("10.00"), {"a": 0, "b": 4}) == {"a": Decimal("0.00"), "b": Decimal("10.00")}


def test_no_units_no_shares():
    assert allocate(Decimal("10.00"), {}) == {}


@pytest.mark.parametrize(("total", "weights"), [(Decimal("-1"), {"a": 1}), (Decimal("1"), {"a": -1, "b": 2})])
def test_negative_input_is_refused(total, weights):
    with pytest.raises(ValueError, match="negative"):
        allocate(total, weights)


@given(
    total=st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2),
    weights=st.lists(st.integers(min_value=0, max_value=1_000_000), min_size=1, max_size=30),
)
def test_shares_always_add_up_to_the_total_and_stay_within_a_cent_of_exact(total, weights):
    shares = allocate(total, dict(enumerate(weights)))
    assert sum(shares.values()) == total
    weight_sum = sum(weights) or len(weights)
    for key, weight in enumerate(weights):
        exact = total * (Decimal(weight) if sum(weights) else Decimal(1)) / weight_sum
        assert abs(shares[key] - exact) < Decimal("0.01")
