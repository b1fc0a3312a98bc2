"""Cleaning an uploaded photo: only pixels come out, whatever metadata went in; every kind of
bad file is refused with its reason (``reports.photos``)."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.support import images
from ugly_mugs.reports import photos

LIMITS = photos.Limits(max_count=3, max_bytes=2 * 1024 * 1024, max_pixels=4_000_000)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_metadata_of_every_kind_is_gone(fmt):
    data = images.encoded(fmt)
    before = images.metadata_of(data)
    assert before["gps"], "the test image must carry GPS tags"
    cleaned = photos.clean(data, LIMITS)
    after = images.metadata_of(cleaned)
    assert after["format"] == "JPEG"
    assert after["exif"] == {}
    assert after["gps"] == {}
    assert after["info"] == {}
    for canary in (b"CanaryCam", b"canary-software", b"xmp-canary", b"png-text-canary", b"jpeg-comment-canary"):
        assert canary not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.size == (64, 32)
        assert "icc_profile" not in image.info


@pytest.mark.parametrize(
    ("orientation", "size", "red_at"),
    [(1, (64, 32), (4, 16)), (3, (64, 32), (60, 16)), (6, (32, 64), (16, 4)), (8, (32, 64), (16, 60))],
)
def test_orientation_is_applied_to_the_pixels(orientation, size, red_at):
    cleaned = photos.clean(images.encoded("JPEG", orientation=orientation), LIMITS)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.size == size
        r, g, b = image.convert("RGB").getpixel(red_at)
        assert r > 150 and b < 100


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_an_animated_image_gives_its_first_frame(fmt):
    cleaned = photos.clean(images.animated(fmt), LIMITS)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert getattr(image, "n_frames", 1) == 1
        assert image.convert("RGB").getpixel((4, 4))[0] > 150


def test_transparency_is_laid_on_white():
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(out, "PNG")
    with Image.open(io.BytesIO(photos.clean(out.getvalue(), LIMITS))) as image:
        assert min(image.convert("RGB").getpixel((3, 3))) > 240


def test_a_large_image_is_scaled_down():
    side = photos.OUTPUT_MAX_SIDE + 500
    out = io.BytesIO()
    Image.new("RGB", (side, 100), (10, 10, 10)).save(out, "PNG")
    with Image.open(io.BytesIO(photos.clean(out.getvalue(), LIMITS))) as image:
        assert max(image.size) == photos.OUTPUT_MAX_SIDE


def _truncated() -> bytes:
    data = images.encoded("JPEG", size=(400, 300))
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", photos.EMPTY),
        (b"GIF89a" + b"\0" * 40, photos.NOT_AN_IMAGE),
        (images.other_format("GIF"), photos.NOT_AN_IMAGE),
        (images.other_format("BMP"), photos.NOT_AN_IMAGE),
        (images.other_format("TIFF"), photos.NOT_AN_IMAGE),
        (b"%PDF-1.7\n" + b"x" * 100, photos.NOT_AN_IMAGE),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", photos.NOT_AN_IMAGE),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 30, photos.NOT_AN_IMAGE),
        (_truncated(), photos.BROKEN),
        (images.bomb(), photos.TOO_MANY_PIXELS),
        (b"\xff\xd8" + b"\0" * (LIMITS.max_bytes + 1), photos.TOO_LARGE),
    ],
    ids=["empty", "gif-magic", "gif", "bmp", "tiff", "pdf", "svg", "png-header-only", "truncated", "bomb", "too-large"],
)
def test_bad_files_are_refused_with_their_reason(data, message):
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.clean(data, LIMITS)
    assert refused.value.message.text == message.text


def test_pillows_own_bomb_limit_refuses_too():
    # Above Pillow's MAX_IMAGE_PIXELS (its decompression bomb check) even with a lenient limit.
    lenient = photos.Limits(max_pixels=10**12, max_bytes=LIMITS.max_bytes)
    side = int((2 * Image.MAX_IMAGE_PIXELS) ** 0.5) + 10
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.clean(images.bomb(side), lenient)
    assert refused.value.message.text == photos.TOO_MANY_PIXELS.text


def test_too_many_photos_are_refused():
    one = images.encoded("PNG")
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.clean_all([(one, True)] * (LIMITS.max_count + 1), LIMITS)
    assert refused.value.message.params == {"count": LIMITS.max_count}
    kept = photos.clean_all([(one, True), (one, False)], LIMITS)
    assert [p.section for p in kept] == ["photo_identity", "photo_about_him"]


SEEDS = [images.encoded(fmt) for fmt in ("JPEG", "PNG", "WEBP")]


@settings(max_examples=150, deadline=None)
@given(
    seed=st.sampled_from(SEEDS),
    cut=st.integers(min_value=0, max_value=4000),
    flips=st.lists(st.tuples(st.integers(min_value=0, max_value=4000), st.integers(0, 255)), max_size=8),
    tail=st.binary(max_size=64),
)
def test_any_damaged_image_is_cleaned_or_refused_never_an_error(seed, cut, flips, tail):
    data = bytearray(seed[: max(1, len(seed) - cut)])
    for at, value in flips:
        if data:
            data[at % len(data)] = value
    data = bytes(data) + tail
    try:
        cleaned = photos.clean(data, LIMITS)
    except photos.PhotoRefused:
        return
    found = images.metadata_of(cleaned)
    assert found["format"] == "JPEG" and found["exif"] == {} and found["info"] == {}


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2048))
def test_any_bytes_are_cleaned_or_refused(data):
    with contextlib.suppress(photos.PhotoRefused):
        photos.clean(data, LIMITS)
