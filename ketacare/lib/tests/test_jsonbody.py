import pytest

from ketacare.lib.jsonbody import JsonBodyError, loads_bounded


def test_parses_an_object():
    assert loads_bounded(b'{"a": [1, {"b": "x"}]}') == {"a": [1, {"b": "x"}]}


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"[" * 5000 + b"]" * 5000, 400, "nested"),
        (b'{"a": "' + b"x" * 2_000_000 + b'"}', 413, "larger"),
        (b'{"a": "\\u0000"}', 400, "NUL"),
        (b'{"\\u0000": 1}', 400, "NUL"),
        (b"\xff\xfe", 400, "UTF-8"),
        (b"{", 400, "not valid JSON"),
    ],
)
def test_refuses_with_a_reason(body, status, words):
    with pytest.raises(JsonBodyError) as caught:
        loads_bounded(body)
    assert caught.value.status == status
    assert words in caught.value.message


def test_brackets_inside_strings_do_not_count():
    assert loads_bounded(b'{"a": "' + b"[" * 100 + b'"}') == {"a": "[" * 100}
