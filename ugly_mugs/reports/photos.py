"""Photos a reporter attaches (his car, his plate, a screenshot of his messages or advert): checked,
decoded and re-encoded so that only pixels remain, then stored as encrypted report sections.

``clean(data, limits)`` is the one way an uploaded image becomes storable bytes:

- only JPEG, PNG and WebP are opened (Pillow is told which decoders it may try, so a GIF or a
  text file named ``.jpg`` is refused, whatever the name or the browser's content type says);
- a file over ``limits.max_bytes`` or an image over ``limits.max_pixels`` pixels (and anything
  Pillow itself calls a decompression bomb, ``Image.MAX_IMAGE_PIXELS``) is refused before it
  is decoded; a truncated or corrupt image is refused, never half-read;
- the first frame of an animated image is taken; the EXIF orientation is applied to the pixels;
  a colour profile is converted to sRGB; transparency is laid on white;
- the pixels are copied into a new image with no ``info`` at all and saved as JPEG without EXIF,
  XMP, ICC profile, comments or text chunks — GPS, camera, time and thumbnail are gone;
- larger sides are scaled down to ``OUTPUT_MAX_SIDE`` pixels, so that what is stored is bounded.

Every refusal is a ``PhotoRefused`` carrying an ``intake.Message`` (English text marked for the
catalogs; the page translates it). Which section a photo is stored in decides who may open it
(``sections.PHOTO_ABOUT_HIM`` is sealed like the perpetrator section, ``sections.PHOTO_IDENTITY``
like the identity section; ``consent.SECTIONS_FOR_POLICE``): a photo is identity-level unless
she says it shows only him, his car or his messages — nothing of her. No Flask imports; the
bytes are never written anywhere but into the encrypted section.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

from ugly_mugs.catalog import N_
from ugly_mugs.reports import sections
from ugly_mugs.reports.intake import Message

# Pillow format names of what may come in; what goes out.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
OUTPUT_FORMAT = "JPEG"
OUTPUT_MEDIA_TYPE = "image/jpeg"
OUTPUT_EXTENSION = "jpg"
# Enough to read a plate or a screenshot's text; bounds what one photo costs to store and seal.
OUTPUT_MAX_SIDE = 2560
OUTPUT_QUALITY = 88

NOT_AN_IMAGE = Message(N_("This file is not a photo we can take. Send a JPEG, PNG or WebP picture."))
BROKEN = Message(N_("This photo could not be read: it may be damaged or only partly sent. Try choosing it again."))
EMPTY = Message(N_("This photo file is empty. Try choosing it again."))
TOO_LARGE = Message(N_("This photo is larger than %(megabytes)s MB. Send a smaller one, or a screenshot of it."))
TOO_MANY_PIXELS = Message(N_("This picture is too big to open safely. Send a smaller one, or a screenshot of it."))
TOO_MANY = Message(N_("You can attach at most %(count)s photos."))
TOO_LARGE_TOGETHER = Message(
    N_("Your photos were too large to send together. Send up to %(count)s photos, each at most %(megabytes)s MB.")
)


def too_large_together(limits: Limits) -> PhotoRefused:
    """The refusal of photos whose bytes together passed what a report may carry (``web.boundary``
    dropped them as they arrived)."""
    return PhotoRefused(
        Message(
            TOO_LARGE_TOGETHER.text,
            {"count": limits.max_count, "megabytes": max(1, limits.max_bytes // (1024 * 1024))},
        )
    )


class PhotoRefused(ValueError):
    """An uploaded image that cannot be taken; ``message`` says why (safe to show, translatable)."""

    def __init__(self, message: Message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Limits:
    """``max_count`` photos per report, each at most ``max_bytes`` bytes as uploaded and
    ``max_pixels`` pixels (width × height) as declared in its header."""

    max_count: int = 3
    max_bytes: int = 4 * 1024 * 1024
    max_pixels: int = 40_000_000

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(config["PHOTO_MAX_COUNT"], config["PHOTO_MAX_BYTES"], config["PHOTO_MAX_PIXELS"])


@dataclass(frozen=True)
class Photo:
    """A cleaned photo: JPEG bytes holding only pixels, and whether it may show her."""

    data: bytes
    shows_her: bool = True

    @property
    def section(self) -> str:
        return sections.PHOTO_IDENTITY if self.shows_her else sections.PHOTO_ABOUT_HIM


def _to_srgb(image: Image.Image) -> Image.Image:
    """``image`` with its embedded colour profile (if any) converted to sRGB, so that dropping the
    profile keeps the colours; a profile that cannot be read is ignored (the pixels stay)."""
    profile = image.info.get("icc_profile")
    if not profile:
        return image
    try:
        converted = ImageCms.profileToProfile(
            image, ImageCms.ImageCmsProfile(io.BytesIO(profile)), ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new RGB image with ``image``'s pixels and nothing else (no ``info``, no EXIF)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    rgb = image.convert("RGB")
    return Image.frombytes("RGB", rgb.size, rgb.tobytes())


def clean(data: bytes, limits: Limits) -> bytes:
    """JPEG bytes holding only the pixels of the JPEG, PNG or WebP image ``data`` (see the module
    docstring). Raises PhotoRefused with the reason."""
    if not data:
        raise PhotoRefused(EMPTY)
    if len(data) > limits.max_bytes:
        raise PhotoRefused(Message(TOO_LARGE.text, {"megabytes": max(1, limits.max_bytes // (1024 * 1024))}))
    try:
        with warnings.catch_warnings():
            # Pillow warns between MAX_IMAGE_PIXELS and twice that, and raises above: both refuse.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
                if image.width * image.height > limits.max_pixels:
                    raise PhotoRefused(TOO_MANY_PIXELS)
                if image.format == "JPEG":
                    # Decode at a reduced scale when the result is scaled down anyway (less memory).
                    image.draft("RGB", (OUTPUT_MAX_SIDE, OUTPUT_MAX_SIDE))
                image.seek(0)
                image.load()
                upright = ImageOps.exif_transpose(image) or image
                result = _pixels_only(_to_srgb(upright))
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRefused(TOO_MANY_PIXELS) from exc
    except Image.UnidentifiedImageError as exc:
        raise PhotoRefused(NOT_AN_IMAGE) from exc
    except Exception as exc:  # noqa: BLE001 - any decoder failure on untrusted bytes is a refusal, not a 500
        raise PhotoRefused(BROKEN) from exc
    result.thumbnail((OUTPUT_MAX_SIDE, OUTPUT_MAX_SIDE))
    out = io.BytesIO()
    result.save(out, OUTPUT_FORMAT, quality=OUTPUT_QUALITY, optimize=True)
    return out.getvalue()


def clean_all(uploads: list[tuple[bytes, bool]], limits: Limits) -> list[Photo]:
    """Cleaned ``Photo``s of ``uploads`` ((bytes, shows her) pairs, empty slots already left out).
    Raises PhotoRefused for too many, or for the first that cannot be taken."""
    if len(uploads) > limits.max_count:
        raise PhotoRefused(Message(TOO_MANY.text, {"count": limits.max_count}))
    return [Photo(clean(data, limits), shows_her) for data, shows_her in uploads]
