"""Who hears when a questionnaire raises flags, and who adds sections to the scores page.

`measures` is below `alerts` in the layers (docs/architecture.md), so it cannot import it.
Instead `alerts` registers a handler here when Django starts (AlertsConfig.ready). The handler
runs inside the caller's transaction: a flag and its alert are saved together or not at all,
so a safety signal cannot be lost between the two.

If flags come and no handler is registered they would go nowhere, which must never happen
quietly: `flags_raise` refuses instead, and the caller's transaction rolls back.

The scores page (`measures.views.scores`) shows what other apps know about the patient's
measurement (check-ins: the plan, "send now", the delivery record). Those apps sit above
`measures`, so they hand their sections in through `on_scores_page` the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from ketacare.core.instruments.base import Flag
    from ketacare.measures.models import Response
    from ketacare.patients.models import Patient


class RaisedSignal(Protocol):
    """What the callers of a recording service need to know about what a flag raised."""

    @property
    def title(self) -> str: ...

    @property
    def severity(self) -> str: ...


class FlagHandler(Protocol):
    def __call__(
        self,
        *,
        patient: Patient,
        flags: Iterable[Flag],
        response: Response | None,
        now: dt.datetime,
        evidence: dict[str, object],
    ) -> Sequence[RaisedSignal]: ...


_handlers: list[FlagHandler] = []


def on_flags(handler: FlagHandler) -> Callable[[], None]:
    """Register a handler for raised flags; returns a function that removes it again."""
    if handler not in _handlers:
        _handlers.append(handler)
    return lambda: _handlers.remove(handler) if handler in _handlers else None


def flags_raise(
    *,
    patient: Patient,
    flags: Iterable[Flag],
    response: Response | None,
    now: dt.datetime,
    evidence: dict[str, object],
) -> list[RaisedSignal]:
    """Hand flags to every registered handler, in the caller's transaction."""
    flags = list(flags)
    if flags and not _handlers:
        raise RuntimeError("No handler for questionnaire flags is registered; is alerts installed?")
    raised: list[RaisedSignal] = []
    for handler in _handlers:
        raised.extend(
            handler(patient=patient, flags=flags, response=response, now=now, evidence=evidence)
        )
    return raised


# --- sections of the scores page -----------------------------------------------------

# "request": inside "Record or request"; "side": below it; "bottom": after the score table.
Place = Literal["request", "side", "bottom"]


@dataclass(frozen=True)
class PageSection:
    """A template, with its own context, that another app adds to the scores page."""

    place: Place
    template: str
    context: dict[str, object] = field(default_factory=dict)


class SectionProvider(Protocol):
    def __call__(self, *, patient: Patient) -> Sequence[PageSection]: ...


_section_providers: list[SectionProvider] = []


def on_scores_page(provider: SectionProvider) -> Callable[[], None]:
    """Register sections for the scores page; returns a function that removes them again."""
    if provider not in _section_providers:
        _section_providers.append(provider)
    return lambda: _section_providers.remove(provider) if provider in _section_providers else None


def scores_page_sections(*, patient: Patient) -> dict[str, list[PageSection]]:
    """Every registered section for this patient's scores page, by place."""
    by_place: dict[str, list[PageSection]] = {"request": [], "side": [], "bottom": []}
    for provider in _section_providers:
        for section in provider(patient=patient):
            by_place[section.place].append(section)
    return by_place
