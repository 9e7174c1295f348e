"""`_count` paging for FHIR searches: Bundle.total counts every match, `link` has self/next.

FHIR leaves the paging parameter to the server; `_offset` is ours and appears only in the
links we hand out.
"""

from __future__ import annotations

from django.http import HttpRequest, QueryDict

DEFAULT_COUNT = 100
MAX_COUNT = 1000  # a year of weekly GAD-7 + PHQ-9 is 936 Observations: one page
MAX_OFFSET = 10_000_000


class PagingError(ValueError):
    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


def _whole(params: QueryDict, name: str, default: int, most: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    # ASCII digits only: "١٠" is not 10, and a 5,000-digit number is not worth parsing.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(most))):
        raise PagingError(f"{name} must be a whole number from 0 to {most}.", name)
    value = int(raw)
    if value > most:
        raise PagingError(f"{name} must be a whole number from 0 to {most}.", name)
    return value


def page_params(params: QueryDict) -> tuple[int, int]:
    """Return (count, offset); `_count=0` asks only for the total, as FHIR allows."""
    count = _whole(params, "_count", DEFAULT_COUNT, MAX_COUNT)
    offset = _whole(params, "_offset", 0, MAX_OFFSET)
    return count, offset


def links(request: HttpRequest, *, count: int, offset: int, total: int) -> dict[str, str]:
    def url(at: int) -> str:
        query = request.GET.copy()
        query["_count"] = str(count)
        query["_offset"] = str(at)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    result = {"self": url(offset)}
    if count and offset + count < total:
        result["next"] = url(offset + count)
    if count and offset > 0:
        result["previous"] = url(max(0, offset - count))
    return result
