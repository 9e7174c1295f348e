"""Read a JSON request body within limits, for the JSON API and FHIR alike.

`json.loads` on a deeply nested document raises RecursionError (a 500), and a huge body
costs memory before anything refuses it. Both are bounded here, and every refusal is a
`JsonBodyError` whose message says what was wrong, for a 4xx answer.
"""

from __future__ import annotations

import json
from typing import Any

MAX_BYTES = 1_000_000  # a year of check-ins for one patient is far below this
MAX_DEPTH = 32  # FHIR QuestionnaireResponse nests a few levels; 32 is generous


class JsonBodyError(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _depth_ok(raw: str, limit: int) -> bool:
    """Return whether brackets outside strings never nest deeper than `limit`."""
    depth = 0
    in_string = False
    escaped = False
    for ch in raw:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def loads_bounded(body: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse `body` as JSON or raise JsonBodyError (413 too large, 400 otherwise)."""
    if len(body) > max_bytes:
        raise JsonBodyError(f"The body is larger than {max_bytes} bytes.", status=413)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonBodyError("The body is not valid UTF-8.") from exc
    if "\x00" in text:
        raise JsonBodyError("The body contains a NUL character.")
    if not _depth_ok(text, max_depth):
        raise JsonBodyError(f"The JSON is nested more than {max_depth} levels deep.")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise JsonBodyError("The body is not valid JSON.") from exc
    if _has_nul(data):
        # "\u0000" parses to a NUL that PostgreSQL cannot store in text.
        raise JsonBodyError("The body contains a NUL character.")
    return data


def _has_nul(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
