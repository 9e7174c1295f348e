"""Scoring matches the published rules: table-driven cases plus properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.core import instruments as I
from ketacare.core.instruments.base import InstrumentError, Severity
from ketacare.core.instruments.change import Direction, compare, minimum_reliable_change


def gad(*values):
    return {str(i): v for i, v in enumerate(values, 1)}


# --- GAD-7 [K58] -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        (gad(0, 0, 0, 0, 0, 0, 0), 0, "Minimal"),
        (gad(1, 1, 1, 1, 0, 0, 0), 4, "Minimal"),
        (gad(1, 1, 1, 1, 1, 0, 0), 5, "Mild"),
        (gad(2, 2, 2, 1, 1, 1, 0), 9, "Mild"),
        (gad(2, 2, 2, 2, 1, 1, 0), 10, "Moderate"),
        (gad(2, 2, 2, 2, 2, 2, 2), 14, "Moderate"),
        (gad(3, 2, 2, 2, 2, 2, 2), 15, "Severe"),
        (gad(3, 3, 3, 3, 3, 3, 3), 21, "Severe"),
    ],
)
def test_gad7_totals_and_bands(answers, total, band):
    score = I.score("gad7", answers)
    assert (score.total, score.band, score.flags) == (total, band, ())


def test_gad7_carries_its_loinc_codes():
    assert I.GAD7.loinc_panel == "69737-5" and I.GAD7.loinc_total == "70274-6"
    assert [i.loinc for i in I.GAD7.items][0] == "69725-0"
    assert I.GAD7.items[0].option(2).loinc == "LA6570-1"


# --- PHQ-9 [K65][K74] ------------------------------------------------------------


def phq(*values, difficulty=None):
    answers = {str(i): v for i, v in enumerate(values, 1)}
    if difficulty is not None:
        answers["difficulty"] = difficulty
    return answers


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        (phq(0, 0, 0, 0, 0, 0, 0, 0, 0), 0, "None-minimal"),
        (phq(1, 1, 1, 1, 0, 0, 0, 0, 0), 4, "None-minimal"),
        (phq(1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "Mild"),
        (phq(2, 2, 2, 2, 2, 0, 0, 0, 0), 10, "Moderate"),
        (phq(2, 2, 2, 2, 2, 2, 2, 0, 0), 14, "Moderate"),
        (phq(2, 2, 2, 2, 2, 2, 2, 1, 0), 15, "Moderately severe"),
        (phq(3, 3, 3, 2, 2, 2, 2, 2, 0), 19, "Moderately severe"),
        (phq(3, 3, 3, 3, 2, 2, 2, 2, 0), 20, "Severe"),
        (phq(3, 3, 3, 3, 3, 3, 3, 3, 3, difficulty=3), 27, "Severe"),
    ],
)
def test_phq9_totals_and_bands(answers, total, band):
    score = I.score("phq9", answers)
    assert (score.total, score.band) == (total, band)


def test_phq9_difficulty_is_recorded_but_not_scored():
    score = I.score("phq9", phq(1, 0, 0, 0, 0, 0, 0, 0, 0, difficulty=3))
    assert score.total == 1 and score.answers["difficulty"] == 3


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_item9_above_zero_is_an_urgent_flag_whatever_the_total(item9):
    score = I.score("phq9", phq(0, 0, 0, 0, 0, 0, 0, 0, item9))
    assert score.urgent
    assert score.flags[0].code == "phq9_item9" and score.flags[0].item == "9"


def test_phq9_item9_zero_raises_no_flag_even_when_severe():
    assert I.score("phq9", phq(3, 3, 3, 3, 3, 3, 3, 3, 0)).flags == ()


# --- C-SSRS screener [K73][K74] ----------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "risk"),
    [
        ({"1": 0, "2": 0, "6": 0}, "none"),
        ({"1": 1, "2": 0, "6": 0}, "low"),
        ({"1": 1, "2": 1, "3": 0, "4": 0, "5": 0, "6": 0}, "low"),
        ({"1": 1, "2": 1, "3": 1, "4": 0, "5": 0, "6": 0}, "moderate"),
        ({"1": 0, "2": 0, "6": 1, "6a": 0}, "moderate"),  # behaviour, lifetime only
        ({"1": 1, "2": 1, "3": 1, "4": 1, "5": 0, "6": 0}, "high"),
        ({"1": 1, "2": 1, "3": 0, "4": 0, "5": 1, "6": 0}, "high"),
        ({"1": 0, "2": 0, "6": 1, "6a": 1}, "high"),  # behaviour in the past 3 months
    ],
)
def test_cssrs_risk_levels(answers, risk):
    score = I.score("cssrs", answers)
    assert score.risk == risk
    assert score.urgent == (risk in ("moderate", "high"))


def test_cssrs_skip_logic_asks_3_to_5_only_after_a_yes_to_2():
    codes = [i.code for i in I.CSSRS.visible_items({"1": 1, "2": 0})]
    assert codes == ["1", "2", "6"]
    codes = [i.code for i in I.CSSRS.visible_items({"2": 1, "6": 1})]
    assert codes == ["1", "2", "3", "4", "5", "6", "6a"]
    with pytest.raises(InstrumentError) as err:
        I.score("cssrs", {"1": 0, "2": 0, "3": 1, "6": 0})
    assert err.value.item == "3"
    with pytest.raises(InstrumentError) as err:
        I.score("cssrs", {"1": 0, "2": 1, "6": 0})
    assert err.value.item == "3"


# --- HAM-A [K69], CADSS [K70] ------------------------------------------------------


@pytest.mark.parametrize(
    ("per_item", "total", "band"),
    [
        ([0] * 14, 0, "Mild"),
        ([1] * 14 + [], 14, "Mild"),
        ([1] * 10 + [2] * 4, 18, "Mild to moderate"),
        ([2] * 12 + [0, 0], 24, "Mild to moderate"),
        ([2] * 12 + [1, 0], 25, "Moderate to severe"),
        ([2] * 14 + [], 28, "Moderate to severe"),
        ([2] * 11 + [3, 3, 3], 31, "Severe"),
        ([4] * 14, 56, "Severe"),
    ],
)
def test_hama_totals_and_guide_bands(per_item, total, band):
    score = I.score("hama", {str(i): v for i, v in enumerate(per_item, 1)})
    assert (score.total, score.band) == (total, band)


def test_cadss_sums_23_items_to_at_most_92_with_no_band():
    assert I.CADSS.max_total == 92
    score = I.score("cadss", {str(i): 4 for i in range(1, 24)})
    assert (score.total, score.band) == (92, None)


# --- our side-effect and bladder checks ----------------------------------------------


def test_side_effect_escalations():
    calm = {c.code: 0 for c in I.SIDE_EFFECTS.items}
    assert I.score("side_effects", calm).flags == ()
    codes = {f.code for f in I.score("side_effects", {**calm, "craving": 2}).flags}
    assert codes == {"craving"}
    codes = {f.code for f in I.score("side_effects", {**calm, "nausea": 3}).flags}
    assert codes == {"side_effect_severe"}
    codes = {f.code for f in I.score("side_effects", {**calm, "dissociation": 3}).flags}
    assert codes == {"side_effect_severe", "lingering_dissociation"}


def test_bladder_escalations():
    calm = {"frequency": 0, "urgency": 0, "pain": 0, "blood": 0, "nocturia": 0}
    assert I.score("bladder", calm).flags == ()
    blood = I.score("bladder", {**calm, "blood": 1})
    assert blood.urgent and blood.flags[0].code == "haematuria"
    assert {f.code for f in I.score("bladder", {**calm, "pain": 2}).flags} == {"bladder_pain"}
    assert {f.severity for f in I.score("bladder", {**calm, "nocturia": 3}).flags} == {
        Severity.WARNING
    }


# --- wrong input names the item ------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "item", "words"),
    [
        ({**gad(0, 0, 0, 0, 0, 0, 0), "7": 4}, "7", "must be one of"),
        ({**gad(0, 0, 0, 0, 0, 0, 0), "7": -1}, "7", "must be one of"),
        ({k: v for k, v in gad(0, 0, 0, 0, 0, 0, 0).items() if k != "4"}, "4", "Answer item 4"),
        ({**gad(0, 0, 0, 0, 0, 0, 0), "8": 0}, "8", "no item"),
        ({**gad(0, 0, 0, 0, 0, 0, 0), "1": "2"}, "1", "whole number"),
        ({**gad(0, 0, 0, 0, 0, 0, 0), "1": True}, "1", "whole number"),
        ({**gad(0, 0, 0, 0, 0, 0, 0), "1": None}, "1", "Answer item 1"),
    ],
)
def test_wrong_answers_raise_the_instruments_error_naming_the_item(answers, item, words):
    with pytest.raises(InstrumentError, match=words) as err:
        I.score("gad7", answers)
    assert err.value.item == item


def test_an_unknown_instrument_is_an_instrument_error():
    with pytest.raises(InstrumentError, match="Unknown instrument"):
        I.get("bdi")


# --- properties ----------------------------------------------------------------------

SUMMED = [i for i in I.REGISTRY.values() if i.code != "cssrs"]


@st.composite
def valid_answers(draw, instrument):
    answers = {}
    for item in instrument.items:
        if not item.required and draw(st.booleans()):
            continue
        answers[item.code] = draw(st.sampled_from([o.value for o in item.options]))
    return answers


@pytest.mark.parametrize("instrument", SUMMED, ids=lambda i: i.code)
@given(data=st.data())
def test_every_valid_answer_set_scores_and_the_total_is_the_sum(instrument, data):
    answers = data.draw(valid_answers(instrument))
    score = instrument.score(answers)
    assert score.total == sum(v for c, v in answers.items() if instrument.item(c).scored)
    assert 0 <= score.total <= instrument.max_total
    if instrument.bands:
        assert score.band is not None


@pytest.mark.parametrize("instrument", [i for i in SUMMED if i.bands], ids=lambda i: i.code)
def test_bands_cover_the_range_without_gaps_and_rise_monotonically(instrument):
    labels = [instrument.band_for(t) for t in range(instrument.max_total + 1)]
    assert None not in labels
    order = [b.label for b in instrument.bands]
    positions = [order.index(label) for label in labels]
    assert positions == sorted(positions)


@given(
    st.fixed_dictionaries(
        {c: st.sampled_from([0, 1]) for c in ["1", "2", "3", "4", "5", "6", "6a"]}
    )
)
def test_cssrs_scores_every_answer_set_once_skip_logic_is_applied(raw):
    visible = {i.code for i in I.CSSRS.visible_items(raw)}
    score = I.score("cssrs", {k: v for k, v in raw.items() if k in visible})
    assert score.risk in ("none", "low", "moderate", "high")


# --- change from baseline [K63][K91] -----------------------------------------------


def test_reliable_change_formula_reproduces_the_worked_values():
    assert minimum_reliable_change(5.5, 0.89) == pytest.approx(5.06, abs=0.01)  # PHQ-9
    assert minimum_reliable_change(4.5, 0.89) == pytest.approx(4.14, abs=0.01)  # GAD-7
    assert minimum_reliable_change(4.5, 0.92) == pytest.approx(3.53, abs=0.01)


@pytest.mark.parametrize(
    ("code", "baseline", "current", "direction"),
    [
        ("gad7", 15, 11, Direction.IMPROVED),
        ("gad7", 15, 12, Direction.NO_RELIABLE_CHANGE),
        ("gad7", 6, 10, Direction.WORSENED),
        ("phq9", 8, 13, Direction.NO_RELIABLE_CHANGE),
        ("phq9", 8, 14, Direction.WORSENED),
        ("phq9", 20, 14, Direction.IMPROVED),
    ],
)
def test_change_from_baseline(code, baseline, current, direction):
    change = compare(I.get(code), baseline=baseline, current=current)
    assert change.direction == direction


def test_caseness_thresholds():
    assert compare(I.GAD7, baseline=8, current=7).case_at_baseline is True
    assert compare(I.GAD7, baseline=8, current=7).case_now is False
    assert compare(I.PHQ9, baseline=9, current=10).case_now is True
    assert compare(I.HAMA, baseline=20, current=10) is None
