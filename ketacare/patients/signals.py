"""Moments in a patient's record that higher layers act on, without patients importing them.

phase_changed(patient, change): sent inside the transaction that moved the phase, so what a
receiver does (e.g. cancelling check-ins on discharge) commits or rolls back with the move.
"""

from django.dispatch import Signal

phase_changed = Signal()
