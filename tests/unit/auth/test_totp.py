"""TOTP acceptance rules: a code is valid for its own 30-second step and the one after it
(clock drift), never for older steps, never twice, and never once a later step was used.
Spaces inside a code do not make a used code new again; anything but six ASCII digits is
refused without an error.
"""

from __future__ import annotations

import pyotp
import pytest

from ugly_mugs.auth import totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# The middle of an arbitrary step, so that "now" is never on a step boundary.
STEP = 59_000_000
NOW = STEP * totp.STEP_SECONDS + 15


def code(step: int) -> str:
    return pyotp.TOTP(SECRET).at(step * totp.STEP_SECONDS)


def test_current_code_is_accepted_once():
    assert totp.matching_step(SECRET, code(STEP), None, now=NOW) == STEP
    # The same code, with the step recorded as used, is refused: also at the end of the step.
    assert totp.matching_step(SECRET, code(STEP), STEP, now=NOW) is None
    assert totp.matching_step(SECRET, code(STEP), STEP, now=NOW + 14) is None


def test_used_code_with_spaces_is_still_refused():
    spaced = f"{code(STEP)[:3]} {code(STEP)[3:]}"
    # Spaces are only formatting: the spaced code is the same code ...
    assert totp.matching_step(SECRET, spaced, None, now=NOW) == STEP
    # ... so once used it is refused however it is written.
    for written in (spaced, f" {code(STEP)} ", f"{code(STEP)[:3]}-{code(STEP)[3:]}", "\t".join(code(STEP))):
        assert totp.matching_step(SECRET, written, STEP, now=NOW) is None, written


def test_one_step_old_code_is_accepted_if_unused():
    assert totp.matching_step(SECRET, code(STEP - 1), None, now=NOW) == STEP - 1
    assert totp.matching_step(SECRET, code(STEP - 1), STEP - 2, now=NOW) == STEP - 1
    assert totp.matching_step(SECRET, code(STEP - 1), STEP - 1, now=NOW) is None


def test_older_code_is_refused_after_a_later_one_was_used():
    # Both codes are inside the window, but the later step was used first.
    assert totp.matching_step(SECRET, code(STEP), None, now=NOW) == STEP
    assert totp.matching_step(SECRET, code(STEP - 1), STEP, now=NOW) is None


def test_code_two_steps_old_is_refused():
    assert code(STEP - 2) not in (code(STEP), code(STEP - 1)), "pick another STEP: the codes collide"
    assert totp.matching_step(SECRET, code(STEP - 2), None, now=NOW) is None
    # The same code was fine while it was current: only its age refuses it.
    assert totp.matching_step(SECRET, code(STEP - 2), None, now=(STEP - 2) * totp.STEP_SECONDS + 5) == STEP - 2


def test_future_code_is_refused():
    assert code(STEP + 1) not in (code(STEP), code(STEP - 1))
    assert totp.matching_step(SECRET, code(STEP + 1), None, now=NOW) is None


def test_wrong_code_is_refused():
    valid = {code(STEP), code(STEP - 1)}
    wrong = next(c for c in ("000000", "111111", "123456") if c not in valid)
    assert totp.matching_step(SECRET, wrong, None, now=NOW) is None
    # A code made with another secret is refused too.
    other = pyotp.TOTP(pyotp.random_base32()).at(NOW)
    if other not in valid:
        assert totp.matching_step(SECRET, other, None, now=NOW) is None


@pytest.mark.parametrize(
    "written",
    [
        "",
        "12345",
        "1234567",
        "12345a",
        "abcdef",
        "12 34 5",
        "+12345",
        "-12345",
        "1.2345",
        # Digits of other scripts: str.isdigit() says yes, but they are not a code.
        "\u0661\u0662\u0663\u0664\u0665\u0666",
        "\u00b9\u00b2\u00b3\u2074\u2075\u2076",
        "\uff11\uff12\uff13\uff14\uff15\uff16",
    ],
)
def test_anything_but_six_ascii_digits_is_refused_without_error(written):
    assert totp.matching_step(SECRET, written, None, now=NOW) is None


def test_full_width_spelling_of_the_valid_code_is_refused():
    full_width = "".join(chr(ord(ch) - ord("0") + 0xFF10) for ch in code(STEP))
    assert totp.matching_step(SECRET, full_width, None, now=NOW) is None


def test_provisioning_uri_carries_the_secret_for_the_app():
    uri = totp.provisioning_uri(SECRET, "carla")
    assert uri.startswith("otpauth://totp/")
    assert f"secret={SECRET}" in uri
    assert "issuer=Ugly%20Mugs" in uri
    assert pyotp.parse_uri(uri).now() == pyotp.TOTP(SECRET).now()
