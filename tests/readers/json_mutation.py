"""Fuzzing a reader with real documents whose parts are replaced by arbitrary JSON."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st


def json_values(words: Sequence[str]) -> st.SearchStrategy[Any]:
    """Arbitrary JSON, including huge numbers and ``words`` a format gives meaning to."""
    leaves = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**70), max_value=10**400)
        | st.floats()
        | st.text(max_size=20)
        | st.sampled_from(list(words))
    )
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=6), children, max_size=3)
        ),
        max_leaves=8,
    )


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = node
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return node


def mutate(data: st.DataObject, document: Any, values: st.SearchStrategy[Any]) -> Any:
    """``document`` with one to three of its parts (or itself) replaced by drawn values."""
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 3))):
        target = data.draw(st.sampled_from(_paths(document)))
        document = _replace(document, target, data.draw(values))
    return document
