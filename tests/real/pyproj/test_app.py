"""test_app.py - pytest tests of app.py for tests/real; the last one fails on purpose."""
import pytest
from app import parse, total, gen


def test_parse():
    assert parse("[1]") == [1]
    assert parse("{") is None


@pytest.mark.parametrize("items,want", [([1, 2], 3), (["ab", 1], 3), ([], 0)])
def test_total(items, want):
    assert total(items) == want


def test_gen():
    assert list(gen(3)) == [0, 2, 4]


def test_fails_on_purpose():
    assert total([1]) == 2
