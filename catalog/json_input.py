"""Strict JSON from bytes, for the API's parser (catalog/api/parsers.py) and the webhooks that
read their body raw (sla/integrations): UTF-8 only, no NaN or Infinity, no number too large for
a float, not nested deeper than MAX_DEPTH. Every refusal is a ValueError with a message for people."""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 32  # objects and lists within each other; the API's deepest shape has 4


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text[:40]} is too large")
    return number


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


_CONTAINERS = (dict, list)  # a tuple: isinstance with `dict | list` is several times slower


def _too_deep(data: Any) -> bool:
    """Deeper than MAX_DEPTH, without recursion. Each level keeps only the containers: a batch's
    thousands of plain values are looked at once, not carried to the next level."""
    level = [data] if isinstance(data, _CONTAINERS) else []
    for _ in range(MAX_DEPTH):
        level = [
            child
            for node in level
            for child in (node.values() if type(node) is dict else node)
            if isinstance(child, _CONTAINERS)
        ]
        if not level:
            return False
    return bool(level)


def json_load(body: bytes) -> Any:
    """Strict JSON from UTF-8 bytes; ValueError with a message for people."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"the body is not UTF-8 text (byte {error.start})") from None
    try:
        data = json.loads(text, parse_float=_finite, parse_constant=_no_constants)
    except RecursionError:
        raise ValueError(f"it is nested more than {MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{error.msg} (line {error.lineno}, column {error.colno})") from None
    if _too_deep(data):
        raise ValueError(f"it is nested more than {MAX_DEPTH} levels deep")
    return data
