"""How many towns one post serves: one limit for every group, or a group's own size, capped.

``resources.engineering.towns_per_post`` is a whole number, or the word ``group_size``
with ``towns_per_post_cap`` (docs/model.md#sharing); :func:`towns_per_post_of` turns it
into the per-group limits ``m_g`` the model inputs carry, its one owner.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    BeforeValidator,
    Field,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from pvd_optim.scenario.fields import MAX_TOWNS_PER_POST
from pvd_optim.scenario.fields import _whole as whole_number

IntArray = NDArray[np.int64]

#: Towns in the programme's largest grouped candidacy ("up to 7 towns share one project
#: lead", programme figures in the data notice): the default cap of towns_per_post: group_size.
LARGEST_GROUPED_CANDIDACY = 7

#: The word of ``towns_per_post`` that makes each group's limit its own size.
GROUP_SIZE = "group_size"
#: A number of towns one post serves: 1 to the limit.
TownsCount = Annotated[int, Field(ge=1, le=MAX_TOWNS_PER_POST), BeforeValidator(whole_number)]
_TOWNS_PER_POST_NUMBER: TypeAdapter[int] = TypeAdapter(TownsCount)


def _towns_per_post(value: Any) -> int | str:
    """A whole number of towns (1 to the limit), or the word ``group_size``.

    One validator rather than a union, so that a wrong value gets one sentence (a union
    reports each branch's failure); a number's error is the number field's own.
    """
    if type(value) is str:  # plain text; a Numeral such as 03 is a number's error
        if value == GROUP_SIZE:
            return value
        raise PydanticCustomError(
            "towns_per_post", "must be a whole number of towns, or group_size (a group's own "
            "size, capped at towns_per_post_cap)", {})
    try:
        return _TOWNS_PER_POST_NUMBER.validate_python(value)
    except ValidationError as error:
        first = error.errors()[0]
        raise PydanticCustomError(first["type"], first["msg"], first.get("ctx") or {}) from None


TownsPerPost = Annotated[int | str, PlainValidator(_towns_per_post), WithJsonSchema({"anyOf": [
    {"type": "integer", "minimum": 1, "maximum": MAX_TOWNS_PER_POST},
    {"const": GROUP_SIZE}]})]


def towns_per_post_of(limit: int | str, cap: int | None, group_size: IntArray) -> IntArray:
    """(G,) m_g, the most towns one post of each group serves, from its size ``|g|``.

    ``limit``: a whole number (the same for every group) or ``group_size`` (the group's
    own size, capped at ``cap``, by default :data:`LARGEST_GROUPED_CANDIDACY`).
    """
    if limit == GROUP_SIZE:
        most = LARGEST_GROUPED_CANDIDACY if cap is None else cap
        # A group has at least one town; the floor of 1 keeps m_g a valid divisor regardless.
        return np.clip(group_size, 1, most).astype(np.int64)
    return np.full(len(group_size), int(limit), dtype=np.int64)
