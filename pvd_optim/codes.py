"""Identifier formats shared by every layer: the one definition of an INSEE commune code."""

from __future__ import annotations

import re

#: An INSEE commune code: five digits, or 2A/2B (Corsica) and three digits.
INSEE_CODE_PATTERN = r"(?:\d{5}|2[AB]\d{3})"
INSEE_CODE = re.compile(INSEE_CODE_PATTERN)
