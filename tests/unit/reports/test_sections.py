"""Report sections and their sealed keys (ugly_mugs.reports.sections).

Proves: a section round-trips its JSON content (any Unicode) and the ciphertext does not
contain it; a section ciphertext moved to another report id, another section name or
another version fails to decrypt, as does a flipped bit or truncation; a section key
sealed to a group key opens only with that key pair, as that holder, for that report,
section and version; a key sealed to a receipt key opens only with that receipt key and
only where it was sealed; every seal is wrapped by the report's erasure key, and without that
key (destroyed at erasure) no seal opens, whoever holds the group or receipt key; unknown
section names are refused.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ugly_mugs.crypto import DecryptionError, aead, receipt, sealing
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.reports import sections

REPORT = "3f2a9c0e1b7d4e5f8a6b0c1d2e3f4a5b"
OTHER_REPORT = "0c1d2e3f4a5b3f2a9c0e1b7d4e5f8a6b"
CONTENT = {"what_happened": "Punched me in a silver Astra", "registration": "AB12 CDE", "n": 3}
SECTION_KEY = aead.new_key()
CIPHERTEXT = sections.encrypt_section(SECTION_KEY, REPORT, "incident", 1, CONTENT)
SCHEME_PAIR = sealing.generate_key_pair()
# The report's erasure key (kept in the key store, outside the database): every seal is wrapped by it.
ERASURE = ReportKey(REPORT, aead.new_key())
UNIT_PAIR = sealing.generate_key_pair()

MOVES = [
    pytest.param(OTHER_REPORT, "incident", 1, id="other-report"),
    pytest.param(REPORT, "perpetrator", 1, id="other-section"),
    pytest.param(REPORT, "identity", 1, id="identity-section"),
    pytest.param(REPORT, "incident", 2, id="other-version"),
    pytest.param(REPORT, "incident", 0, id="earlier-version"),
]


def test_round_trip():
    assert sections.decrypt_section(SECTION_KEY, REPORT, "incident", 1, CIPHERTEXT) == CONTENT


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=100)
@given(content=st.dictionaries(st.text(), json_values, max_size=6), name=st.sampled_from(sections.SECTION_NAMES))
def test_round_trip_any_json(content, name):
    key = aead.new_key()
    blob = sections.encrypt_section(key, REPORT, name, 7, content)
    assert sections.decrypt_section(key, REPORT, name, 7, blob) == content


def test_ciphertext_hides_content_and_differs_each_time():
    assert b"Astra" not in CIPHERTEXT and b"AB12" not in CIPHERTEXT
    assert "Astra".encode("utf-16-le") not in CIPHERTEXT
    again = sections.encrypt_section(SECTION_KEY, REPORT, "incident", 1, CONTENT)
    assert again != CIPHERTEXT


def test_associated_data_binds_report_section_and_version():
    assert sections.associated_data(REPORT, "incident", 1) == f"{REPORT}|incident|1".encode()
    contexts = {
        sections.key_context(r, n, v, h)
        for r in (REPORT, OTHER_REPORT)
        for n in sections.SECTION_NAMES
        for v in (1, 2)
        for h in (sections.SCHEME, sections.RECEIPT, sections.UNIT)
    }
    assert len(contexts) == 2 * 3 * 2 * 3


@pytest.mark.parametrize(("report_id", "name", "version"), MOVES)
def test_section_moved_elsewhere_fails(report_id, name, version):
    with pytest.raises(DecryptionError):
        sections.decrypt_section(SECTION_KEY, report_id, name, version, CIPHERTEXT)


def test_wrong_section_key_fails():
    with pytest.raises(DecryptionError):
        sections.decrypt_section(aead.new_key(), REPORT, "incident", 1, CIPHERTEXT)


@settings(max_examples=200)
@given(position=st.integers(min_value=0, max_value=len(CIPHERTEXT) * 8 - 1))
def test_flipped_bit_fails(position):
    tampered = bytearray(CIPHERTEXT)
    tampered[position // 8] ^= 1 << (position % 8)
    with pytest.raises(DecryptionError):
        sections.decrypt_section(SECTION_KEY, REPORT, "incident", 1, bytes(tampered))


@given(length=st.integers(min_value=0, max_value=len(CIPHERTEXT) - 1))
def test_truncated_fails_cleanly(length):
    with pytest.raises(DecryptionError):
        sections.decrypt_section(SECTION_KEY, REPORT, "incident", 1, CIPHERTEXT[:length])


@pytest.mark.parametrize("name", ["", "notes", "Identity", "incident "])
def test_unknown_section_refused(name):
    with pytest.raises(ValueError, match="unknown section"):
        sections.encrypt_section(SECTION_KEY, REPORT, name, 1, CONTENT)


SEALED_TO_UNIT = sections.seal_to_public_key(
    UNIT_PAIR.public, SECTION_KEY, REPORT, "incident", 1, sections.UNIT, ERASURE
)


def test_sealed_key_opens_for_its_holder():
    opened = sections.open_with_key_pair(UNIT_PAIR, SEALED_TO_UNIT, REPORT, "incident", 1, sections.UNIT, ERASURE)
    assert opened == SECTION_KEY
    assert sections.decrypt_section(opened, REPORT, "incident", 1, CIPHERTEXT) == CONTENT
    assert SECTION_KEY not in SEALED_TO_UNIT


def test_sealed_key_fails_with_another_key_pair():
    with pytest.raises(DecryptionError):
        sections.open_with_key_pair(SCHEME_PAIR, SEALED_TO_UNIT, REPORT, "incident", 1, sections.UNIT, ERASURE)


def test_sealed_key_fails_as_another_holder():
    # A unit's copy relabelled as the scheme's (or the other way round) does not open.
    with pytest.raises(DecryptionError):
        sections.open_with_key_pair(UNIT_PAIR, SEALED_TO_UNIT, REPORT, "incident", 1, sections.SCHEME, ERASURE)


@pytest.mark.parametrize(("report_id", "name", "version"), MOVES)
def test_sealed_key_moved_elsewhere_fails(report_id, name, version):
    with pytest.raises(DecryptionError):
        sections.open_with_key_pair(UNIT_PAIR, SEALED_TO_UNIT, report_id, name, version, sections.UNIT, ERASURE)


RECEIPT_KEY = receipt.receipt_key(receipt.new_code())
SEALED_TO_RECEIPT = sections.seal_to_receipt(RECEIPT_KEY, SECTION_KEY, REPORT, "incident", 1, ERASURE)


def test_receipt_sealed_key_round_trip():
    assert sections.open_with_receipt(RECEIPT_KEY, SEALED_TO_RECEIPT, REPORT, "incident", 1, ERASURE) == SECTION_KEY
    assert SECTION_KEY not in SEALED_TO_RECEIPT


def test_receipt_sealed_key_fails_with_another_code():
    other = receipt.receipt_key(receipt.new_code())
    with pytest.raises(DecryptionError):
        sections.open_with_receipt(other, SEALED_TO_RECEIPT, REPORT, "incident", 1, ERASURE)


@pytest.mark.parametrize(("report_id", "name", "version"), MOVES)
def test_receipt_sealed_key_moved_elsewhere_fails(report_id, name, version):
    with pytest.raises(DecryptionError):
        sections.open_with_receipt(RECEIPT_KEY, SEALED_TO_RECEIPT, report_id, name, version, ERASURE)


def test_receipt_copy_is_not_a_group_copy():
    with pytest.raises(DecryptionError):
        sections.open_with_key_pair(UNIT_PAIR, SEALED_TO_RECEIPT, REPORT, "incident", 1, sections.UNIT, ERASURE)


@given(length=st.integers(min_value=0, max_value=len(SEALED_TO_UNIT) - 1))
def test_truncated_group_sealed_keys_fail_cleanly(length):
    with pytest.raises(DecryptionError):
        sections.open_with_key_pair(UNIT_PAIR, SEALED_TO_UNIT[:length], REPORT, "incident", 1, sections.UNIT, ERASURE)


@given(length=st.integers(min_value=0, max_value=len(SEALED_TO_RECEIPT) - 1))
def test_truncated_receipt_sealed_keys_fail_cleanly(length):
    with pytest.raises(DecryptionError):
        sections.open_with_receipt(RECEIPT_KEY, SEALED_TO_RECEIPT[:length], REPORT, "incident", 1, ERASURE)


# Without the report's erasure key (destroyed when the report is erased), no stored seal opens,
# whoever holds the key it was sealed to: another erasure key, the same key for another report,
# and opening the stored bytes as if they were not wrapped all fail.
OTHER_ERASURE_KEYS = [
    pytest.param(ReportKey(REPORT, aead.new_key()), id="another-key"),
    pytest.param(ReportKey(OTHER_REPORT, ERASURE.key), id="key-for-another-report"),
    pytest.param(ReportKey(REPORT, None), id="as-if-unwrapped"),
]


@pytest.mark.parametrize("erasure_key", OTHER_ERASURE_KEYS)
def test_group_seal_needs_the_erasure_key(erasure_key):
    with pytest.raises(DecryptionError):
        sections.open_with_key_pair(UNIT_PAIR, SEALED_TO_UNIT, REPORT, "incident", 1, sections.UNIT, erasure_key)


@pytest.mark.parametrize("erasure_key", OTHER_ERASURE_KEYS)
def test_receipt_seal_needs_the_erasure_key(erasure_key):
    with pytest.raises(DecryptionError):
        sections.open_with_receipt(RECEIPT_KEY, SEALED_TO_RECEIPT, REPORT, "incident", 1, erasure_key)


def test_stored_seal_is_the_wrapped_seal():
    # What is stored is not a seal anyone could open directly: it is the seal wrapped once more.
    inner = ERASURE.unwrap(SEALED_TO_UNIT, sections.key_context(REPORT, "incident", 1, sections.UNIT))
    assert sealing.unseal(UNIT_PAIR, inner, sections.key_context(REPORT, "incident", 1, sections.UNIT)) == SECTION_KEY
    assert inner not in SEALED_TO_UNIT
    with pytest.raises(DecryptionError):
        sealing.unseal(UNIT_PAIR, SEALED_TO_UNIT, sections.key_context(REPORT, "incident", 1, sections.UNIT))
