"""Priority from business impact and urgency, through an agreement's matrix."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError

ITIL_MATRIX = ((1, 2, 3), (2, 3, 4), (3, 4, 5))


def priority_from_matrix(matrix: Sequence[Sequence[int]] | None, *, impact: int, urgency: int) -> int:
    """The priority (1-5) for an impact and an urgency (each 1 high, 2 medium, 3 low)."""
    if impact not in (1, 2, 3) or urgency not in (1, 2, 3):
        raise ValueError(f"impact and urgency must be 1, 2 or 3, got {impact} and {urgency}")
    rows = matrix or ITIL_MATRIX
    return int(rows[impact - 1][urgency - 1])


def validate_priority_matrix(matrix) -> None:
    """Three rows (impact 1-3) of three priorities (urgency 1-3), each 1-5."""
    shaped = (
        isinstance(matrix, list | tuple)
        and len(matrix) == 3
        and all(isinstance(row, list | tuple) and len(row) == 3 for row in matrix)
    )
    if not shaped:
        raise ValidationError(
            "Give three rows (impact high, medium, low) of three priorities (urgency high, medium, low), "
            "e.g. [[1, 2, 3], [2, 3, 4], [3, 4, 5]]."
        )
    for row in matrix:
        for cell in row:
            if isinstance(cell, bool) or not isinstance(cell, int) or not 1 <= cell <= 5:
                raise ValidationError(f"Every priority in the matrix must be a whole number 1-5, got {cell!r}.")
