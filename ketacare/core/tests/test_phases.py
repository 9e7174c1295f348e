import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.core.phases import ALLOWED_MOVES, Phase, PhaseError, allowed_next, check_move


@pytest.mark.parametrize(
    ("src", "dst", "ok"),
    [
        ("referred", "evaluation", True),
        ("referred", "induction", False),  # nobody is dosed without an evaluation
        ("evaluation", "induction", True),
        ("induction", "maintenance", True),
        ("maintenance", "induction", True),  # re-induction after relapse
        ("paused", "maintenance", True),
        ("discharged", "evaluation", True),
        ("discharged", "induction", False),
        ("evaluation", "maintenance", False),
    ],
)
def test_it_allows_only_pathway_moves(src, dst, ok):
    if ok:
        move = check_move(src, dst, reason="clinical decision")
        assert move.to_phase == Phase(dst)
    else:
        with pytest.raises(PhaseError, match="cannot move"):
            check_move(src, dst, reason="clinical decision")


def test_it_requires_a_reason():
    with pytest.raises(PhaseError, match="reason"):
        check_move("referred", "evaluation", reason="   ")


def test_it_refuses_a_move_to_the_same_phase():
    with pytest.raises(PhaseError, match="already"):
        check_move("induction", "induction", reason="x")


def test_it_names_unknown_phases():
    with pytest.raises(PhaseError, match="Unknown phase"):
        check_move("induction", "holiday", reason="x")


@given(st.sampled_from(list(Phase)))
def test_every_phase_can_reach_discharge_or_evaluation(phase):
    # No patient can be stuck: from any phase there is a way back into care or out of it.
    nxt = set(allowed_next(phase))
    assert nxt
    assert Phase.DISCHARGED in nxt or Phase.EVALUATION in nxt


@given(st.sampled_from(list(Phase)), st.sampled_from(list(Phase)))
def test_check_move_agrees_with_the_table(src, dst):
    expected = src != dst and dst in ALLOWED_MOVES[src]
    try:
        check_move(src, dst, reason="r")
        assert expected
    except PhaseError:
        assert not expected
