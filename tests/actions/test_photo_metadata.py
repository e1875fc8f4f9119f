"""Uploaded photos keep no metadata block (EXIF, XMP, IPTC, JPEG comments, PNG text
chunks) and keep their colour profile: checked block by block, on files made by Pillow
carrying each kind."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from liveblog.actions import SYSTEM
from liveblog.actions.media import clean_photo

SECRET = "Secret Camera 7 at 51.5N"  # what no served byte may carry
PROFILE = bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def cleaned(data: bytes) -> bytes:
    """What the site would serve for this upload."""
    return clean_photo(SYSTEM, data, "upload").data


# --- what a file holds: its blocks, by format ---------------------------------------------


def jpeg_segments(data: bytes) -> list[str]:
    """The JPEG's segments before the image data, named (APP1 with its signature)."""
    assert data[:2] == b"\xff\xd8"
    names, at = [], 2
    while at < len(data):
        marker = data[at + 1]
        if marker == 0xDA:  # start of scan: the pixels follow
            break
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        body = data[at + 4 : at + 2 + length]
        name = {0xFE: "COM", 0xDB: "DQT", 0xC4: "DHT", 0xDD: "DRI"}.get(marker, f"{marker:02X}")
        if 0xE0 <= marker <= 0xEF:
            name = f"APP{marker - 0xE0}:" + body.split(b"\0", 1)[0][:20].decode("latin-1")
        elif 0xC0 <= marker <= 0xCF:
            name = "SOF"
        names.append(name)
        at += 2 + length
    return names


def png_chunks(data: bytes) -> list[str]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    names, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        names.append(kind.decode("latin-1"))
        at += 12 + length
    return names


def webp_chunks(data: bytes) -> list[str]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    names, at = [], 12
    while at < len(data):
        kind, length = struct.unpack("<4sI", data[at : at + 8])
        names.append(kind.decode("latin-1"))
        at += 8 + length + (length & 1)
    return names


def blocks(data: bytes) -> list[str]:
    if data[:2] == b"\xff\xd8":
        return jpeg_segments(data)
    if data[:4] == b"RIFF":
        return webp_chunks(data)
    return png_chunks(data)


# What a clean file may hold, besides its colour profile.
ALLOWED = {
    "JPEG": {"APP0:JFIF", "DQT", "SOF", "DHT", "DRI"},
    "PNG": {"IHDR", "PLTE", "tRNS", "IDAT", "IEND"},
    "WEBP": {"VP8 ", "VP8L", "VP8X", "ALPH"},
}
PROFILE_BLOCK = {"JPEG": "APP2:ICC_PROFILE", "PNG": "iCCP", "WEBP": "ICCP"}


# --- photos made by Pillow, carrying each kind of metadata ---------------------------------


def picture(mode: str = "RGB") -> Image.Image:
    image = Image.new(mode, (64, 48), (200, 60, 30) if mode == "RGB" else (200, 60, 30, 128))
    image.paste((20, 90, 160) if mode == "RGB" else (20, 90, 160, 255), (10, 10, 40, 30))
    return image


def exif() -> Image.Exif:
    tags = Image.Exif()
    tags[0x0110] = SECRET  # camera model
    tags[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS
    return tags


XMP = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>{SECRET}</rdf:Description></x:xmpmeta>'


def with_iptc(jpeg: bytes) -> bytes:
    """Adds an IPTC block (Photoshop APP13) after the JPEG's start marker."""
    record = b"\x1c\x02\x50" + struct.pack(">H", len(SECRET)) + SECRET.encode()  # by-line
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(record)) + record
    body = b"Photoshop 3.0\0" + resource
    return jpeg[:2] + b"\xff\xed" + struct.pack(">H", len(body) + 2) + body + jpeg[2:]


def jpeg(**options: Any) -> bytes:
    out = io.BytesIO()
    picture().save(out, format="JPEG", **options)
    return out.getvalue()


def png(mode: str = "RGB", **chunks: Any) -> bytes:
    info = PngImagePlugin.PngInfo()
    if chunks.pop("text", False):
        info.add_text("Author", SECRET)
    if chunks.pop("ztxt", False):
        info.add_text("Comment", SECRET * 4, zip=True)
    if chunks.pop("itxt", False):
        info.add_itxt("XML:com.adobe.xmp", XMP, lang="en", tkey="XMP")
    out = io.BytesIO()
    picture(mode).save(out, format="PNG", pnginfo=info, **chunks)
    return out.getvalue()


def webp(**options: Any) -> bytes:
    out = io.BytesIO()
    picture().save(out, format="WEBP", **options)
    return out.getvalue()


UPLOADS: dict[str, tuple[str, Callable[[], bytes], bool]] = {
    # name: (format, the file, whether it carries a colour profile)
    "jpeg exif and gps": ("JPEG", lambda: jpeg(exif=exif()), False),
    "jpeg xmp": ("JPEG", lambda: jpeg(xmp=XMP.encode()), False),
    "jpeg comment": ("JPEG", lambda: jpeg(comment=SECRET.encode()), False),
    "jpeg iptc": ("JPEG", lambda: with_iptc(jpeg()), False),
    "jpeg all and a profile": (
        "JPEG",
        lambda: with_iptc(
            jpeg(exif=exif(), xmp=XMP.encode(), comment=SECRET.encode(), icc_profile=PROFILE)
        ),
        True,
    ),
    "png text": ("PNG", lambda: png(text=True), False),
    "png ztxt": ("PNG", lambda: png(ztxt=True), False),
    "png itxt xmp": ("PNG", lambda: png(itxt=True), False),
    "png exif": ("PNG", lambda: png(exif=exif()), False),
    "png all and a profile, with alpha": (
        "PNG",
        lambda: png("RGBA", text=True, ztxt=True, itxt=True, exif=exif(), icc_profile=PROFILE),
        True,
    ),
    "webp exif and xmp": ("WEBP", lambda: webp(exif=exif(), xmp=XMP.encode()), False),
    "webp all and a profile": (
        "WEBP",
        lambda: webp(exif=exif(), xmp=XMP.encode(), icc_profile=PROFILE),
        True,
    ),
}


@pytest.mark.parametrize("case", list(UPLOADS))
def test_every_metadata_block_is_dropped_and_the_profile_kept(case: str) -> None:
    kind, make, profiled = UPLOADS[case]
    original = make()
    assert SECRET.encode() in original or b"x\x9c" in original  # the test file carries it
    served = cleaned(original)
    assert SECRET.encode() not in served
    found = blocks(served)
    expected = ALLOWED[kind] | ({PROFILE_BLOCK[kind]} if profiled else set())
    assert set(found) <= expected, found
    assert (PROFILE_BLOCK[kind] in found) == profiled
    with Image.open(io.BytesIO(served)) as image:
        assert image.format == kind and image.size == (64, 48)
        assert image.info.get("icc_profile") == (PROFILE if profiled else None)
        assert not image.getexif() and "xmp" not in image.info and "comment" not in image.info
        assert image.convert("RGB").getpixel((20, 20)) == pytest.approx((20, 90, 160), abs=12)


def test_the_test_files_do_carry_what_is_to_be_dropped() -> None:
    """So that the test above can fail: each made file holds its metadata block."""
    assert "COM" in jpeg_segments(jpeg(comment=SECRET.encode()))
    assert "APP13:Photoshop 3.0" in jpeg_segments(with_iptc(jpeg()))
    assert {"APP1:Exif", "APP1:http://ns.adobe.com/"} <= set(
        jpeg_segments(jpeg(exif=exif(), xmp=XMP.encode()))
    )
    assert {"tEXt", "zTXt", "iTXt", "eXIf"} <= set(
        png_chunks(png(text=True, ztxt=True, itxt=True, exif=exif()))
    )
    assert {"EXIF", "XMP ", "ICCP"} <= set(
        webp_chunks(webp(exif=exif(), xmp=XMP.encode(), icc_profile=PROFILE))
    )


def test_transparency_survives_the_cleaning() -> None:
    palette = Image.new("P", (8, 8), 1)
    palette.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    out = io.BytesIO()
    palette.save(out, format="PNG", transparency=1)
    with Image.open(io.BytesIO(cleaned(out.getvalue()))) as image:
        assert image.convert("RGBA").getpixel((3, 3))[3] == 0
