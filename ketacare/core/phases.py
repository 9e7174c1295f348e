"""Care phases of a patient and the moves allowed between them.

The pathway (DESIGN.md section 2): referral -> evaluation -> induction ->
maintenance, with pauses and discharge possible from any active phase. The
rules here are deliberately permissive where clinics differ (a paused patient
may restart induction or maintenance) and strict where a move would skip a
safety step: nobody is dosed without an evaluation first, so "referred" can
only go to "evaluation" or "discharged".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    REFERRED = "referred"
    EVALUATION = "evaluation"
    INDUCTION = "induction"
    MAINTENANCE = "maintenance"
    PAUSED = "paused"
    DISCHARGED = "discharged"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# Each phase -> the phases it may move to.
ALLOWED_MOVES: dict[Phase, frozenset[Phase]] = {
    Phase.REFERRED: frozenset({Phase.EVALUATION, Phase.DISCHARGED}),
    Phase.EVALUATION: frozenset({Phase.INDUCTION, Phase.PAUSED, Phase.DISCHARGED}),
    Phase.INDUCTION: frozenset({Phase.MAINTENANCE, Phase.PAUSED, Phase.DISCHARGED}),
    Phase.MAINTENANCE: frozenset({Phase.INDUCTION, Phase.PAUSED, Phase.DISCHARGED}),
    # A paused patient resumes where the prescriber decides, after re-evaluation if needed.
    Phase.PAUSED: frozenset(
        {Phase.EVALUATION, Phase.INDUCTION, Phase.MAINTENANCE, Phase.DISCHARGED}
    ),
    # A discharged patient who returns starts again with an evaluation.
    Phase.DISCHARGED: frozenset({Phase.EVALUATION}),
}

# Phases in which the patient is followed: check-ins, alerts, next contact.
ACTIVE_PHASES: frozenset[Phase] = frozenset(
    {Phase.EVALUATION, Phase.INDUCTION, Phase.MAINTENANCE, Phase.PAUSED}
)


class PhaseError(ValueError):
    """A phase move that the pathway does not allow."""


@dataclass(frozen=True)
class PhaseMove:
    from_phase: Phase
    to_phase: Phase
    reason: str


def check_move(from_phase: Phase | str, to_phase: Phase | str, *, reason: str) -> PhaseMove:
    """Return the validated move, or raise PhaseError saying why it is refused."""
    try:
        src = Phase(from_phase)
        dst = Phase(to_phase)
    except ValueError as exc:
        raise PhaseError(f"Unknown phase: {exc}") from exc
    if src == dst:
        raise PhaseError(f"The patient is already in {src.label.lower()}.")
    if dst not in ALLOWED_MOVES[src]:
        allowed = ", ".join(sorted(p.label.lower() for p in ALLOWED_MOVES[src]))
        raise PhaseError(
            f"A patient in {src.label.lower()} cannot move to {dst.label.lower()}; "
            f"allowed: {allowed}."
        )
    if not reason.strip():
        raise PhaseError("Give a reason for the phase change.")
    return PhaseMove(from_phase=src, to_phase=dst, reason=reason.strip())


def allowed_next(from_phase: Phase | str) -> list[Phase]:
    """Return the phases a patient may move to, in pathway order."""
    order = list(Phase)
    return sorted(ALLOWED_MOVES[Phase(from_phase)], key=order.index)
