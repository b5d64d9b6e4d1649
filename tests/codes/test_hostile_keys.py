"""lookup() with keys a careless user or a hostile caller passes: always a record or
UnknownCode, never another exception, and digits are ASCII digits (RFC 9110 §15: a
status code is three DIGITs, RFC 5234 DIGIT = %x30-39)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from statuskit.codes import UnknownCode, lookup


@pytest.mark.parametrize("key", ["9" * 5_000, "0" * 4_400 + "404"],
                         ids=["5000-nines", "zeros-404"])
def test_a_key_of_thousands_of_digits_is_unknown_not_a_value_error(key: str) -> None:
    with pytest.raises(UnknownCode):
        lookup(key)


@pytest.mark.parametrize("key", ["\u0664\u0660\u0664", "\uff14\uff10\uff14", "4\u00b2"],
                         ids=["arabic-indic", "fullwidth", "superscript"])
def test_digits_of_other_scripts_are_not_a_code(key: str) -> None:
    # Arabic-Indic and fullwidth 404, and a superscript: str.isdigit() says yes.
    with pytest.raises(UnknownCode):
        lookup(key)


@pytest.mark.parametrize("key", [404.0, None, b"404"])
def test_a_key_of_another_type_is_unknown(key: object) -> None:
    with pytest.raises(UnknownCode):
        lookup(key)  # type: ignore[arg-type]


def test_explain_with_5000_digits_is_one_line_and_exit_2() -> None:
    result = subprocess.run([sys.executable, "-m", "statuskit", "explain", "9" * 5_000],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
