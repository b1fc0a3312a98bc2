"""Images carrying metadata, for the photo tests: EXIF with GPS, XMP, ICC, comments, PNG text
chunks, WebP EXIF, animation, orientation, and files only pretending to be images."""

from __future__ import annotations

import io

from PIL import Image, ImageCms, PngImagePlugin

GPS_IFD = 0x8825
ORIENTATION = 0x0112
# Pixel colours chosen so that a test can tell the image's parts apart after re-encoding.
LEFT, RIGHT = (200, 30, 30), (30, 30, 200)


def picture(size=(64, 32)) -> Image.Image:
    """Left half red, right half blue: orientation shows in where the red is."""
    image = Image.new("RGB", size, RIGHT)
    image.paste(LEFT, (0, 0, size[0] // 2, size[1]))
    return image


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "CanaryCam"  # Make
    exif[0x0131] = "canary-software"  # Software
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (53.0, 48.0, 2.0)
    gps[3] = "W"
    gps[4] = (1.0, 32.0, 55.0)
    return exif


XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description canary="xmp-canary"/></x:xmpmeta>'


def encoded(fmt: str, orientation: int = 1, size=(64, 32)) -> bytes:
    """``picture()`` as ``fmt`` (JPEG, PNG, WEBP) with every kind of metadata the format can carry."""
    image = picture(size)
    out = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = exif_with_gps(orientation)
    if fmt == "JPEG":
        image.save(out, "JPEG", exif=exif, icc_profile=icc, comment=b"jpeg-comment-canary", xmp=XMP)
    elif fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "png-text-canary")
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
        info.add_text("GPS", "53.8,-1.5", zip=True)
        image.save(out, "PNG", pnginfo=info, exif=exif, icc_profile=icc)
    elif fmt == "WEBP":
        image.save(out, "WEBP", exif=exif, icc_profile=icc, xmp=XMP)
    else:
        raise ValueError(fmt)
    return out.getvalue()


def animated(fmt: str) -> bytes:
    frames = [picture(), Image.new("RGB", (64, 32), (0, 200, 0))]
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def other_format(fmt: str) -> bytes:
    out = io.BytesIO()
    picture().save(out, fmt)
    return out.getvalue()


def bomb(pixels_side: int = 20_000) -> bytes:
    """A small PNG that declares ``pixels_side``² pixels (a one-colour image compresses to little)."""
    out = io.BytesIO()
    Image.new("1", (pixels_side, pixels_side)).save(out, "PNG", optimize=True)
    return out.getvalue()


# What every JPEG's JFIF header says (no metadata about the picture or who took it).
JFIF_HEADER = ("jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive", "progression")


def metadata_of(data: bytes) -> dict:
    """What Pillow finds besides pixels in ``data``."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return {
            "format": image.format,
            "exif": dict(exif),
            "gps": dict(exif.get_ifd(GPS_IFD)),
            "info": {k: v for k, v in image.info.items() if k not in JFIF_HEADER},
        }
