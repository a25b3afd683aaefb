"""Each of the entropy decoder's named scan errors, reached by a file made to end in it, says
what is wrong in its own words (strict), or is decoded past as libjpeg does, with a warning
naming it (the default)."""

import re
import struct

import numpy as np
import pytest

from fastzip import CorruptDataWarning, FormatError, jpeg
from fastzip._native.jpeg_entropy import SCAN_ERRORS


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _entropy_bytes(bits: str) -> bytes:
    """MSB-first bits, padded with ones, 0xFF stuffed with 0x00 (T.81 F.1.2.3)."""
    bits += "1" * (-len(bits) % 8)
    out = bytearray()
    for i in range(0, len(bits), 8):
        out.append(int(bits[i:i + 8], 2))
        if out[-1] == 0xFF:
            out.append(0)
    return bytes(out)


# DC: "0" -> category 0, "10" -> 11, "11" -> 12 (no baseline DC has 12 bits).
# AC: "00" -> EOB, "01" -> ZRL, "10" -> 0x0B (an 11-bit AC value), "11" -> 0x01.
DC_TABLE = bytes([1, 2] + [0] * 14) + bytes([0, 11, 12])
AC_TABLE = bytes([0, 4] + [0] * 14) + bytes([0x00, 0xF0, 0x0B, 0x01])


def gray_8x8(bits: str) -> bytes:
    """A one-block grayscale baseline file with the tables above and ``bits`` as its scan."""
    return b"".join([
        b"\xff\xd8",
        _segment(0xDB, bytes([0]) + bytes([100] * 64)),
        _segment(0xC0, struct.pack(">BHHB", 8, 8, 8, 1) + bytes([1, 0x11, 0])),
        _segment(0xC4, bytes([0x00]) + DC_TABLE),
        _segment(0xC4, bytes([0x10]) + AC_TABLE),
        _segment(0xDA, bytes([1, 1, 0x00, 0, 63, 0])),
        _entropy_bytes(bits),
        b"\xff\xd9",
    ])


def _photo_file(**options) -> bytes:
    skimage_data = pytest.importorskip("skimage.data")
    return jpeg.encode(skimage_data.camera()[:64, :64], quality=75, **options)


def _scan_start(data: bytes) -> int:
    sos = data.index(b"\xff\xda")
    return sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")


def _ones_instead_of_the_scan() -> bytes:
    data = _photo_file()
    start = _scan_start(data)
    return data[:start] + b"\xff\x00" * 40 + b"\xff\xd9"  # no standard DC code is nine ones


def _cut_scan() -> bytes:
    data = _photo_file()
    return data[:_scan_start(data) + 20] + b"\xff\xd9"


def _restart_out_of_sequence() -> bytes:
    data = bytearray(_photo_file(restart_interval=1))
    first = data.index(b"\xff\xd0", _scan_start(bytes(data)))
    data[first + 1] = 0xD3
    return bytes(data)


CASES = {
    "no code": _ones_instead_of_the_scan,
    "(truncated)": _cut_scan,
    "restart marker": _restart_out_of_sequence,
    "DC coefficient": lambda: gray_8x8("11" + "0" * 12 + "00"),
    "AC coefficient": lambda: gray_8x8("0" + "10" + "0" * 11 + "00"),
    "64th": lambda: gray_8x8("0" + "01" * 4),
}


def _message(phrase: str) -> str:
    (message,) = [m for m in SCAN_ERRORS.values() if phrase in m]
    return f"invalid JPEG scan: {message}"


def test_the_hand_made_file_decodes_when_its_scan_is_valid():
    block = jpeg.decode(gray_8x8("0" + "11" + "1" + "00"))  # DC 0, one AC coefficient of +1, EOB
    assert block.shape == (8, 8) and len(set(block.ravel().tolist())) > 1


def test_every_scan_error_is_tested():
    assert sorted(_message(p) for p in CASES) == sorted(f"invalid JPEG scan: {m}" for m in SCAN_ERRORS.values())


@pytest.mark.parametrize("phrase", sorted(CASES))
def test_each_scan_error_says_what_is_wrong(phrase):
    with pytest.raises(FormatError) as raised:
        jpeg.decode(CASES[phrase](), strict=True)
    assert str(raised.value) == _message(phrase)


@pytest.mark.parametrize("phrase", sorted(CASES))
def test_damage_libjpeg_decodes_is_decoded_with_a_warning(phrase):
    data = CASES[phrase]()
    with pytest.warns(CorruptDataWarning, match=re.escape(_message(phrase).split(": ", 1)[1])):
        pixels = jpeg.decode(data)
    header = jpeg.read_header(data)
    assert pixels.dtype == np.uint8 and pixels.shape == (header.height, header.width)


def test_a_truncated_scan_leaves_the_rest_grey():
    """As libjpeg: the blocks the data did not reach are zero, which is mid-grey."""
    with pytest.warns(CorruptDataWarning, match="truncated"):
        pixels = jpeg.decode(_cut_scan())
    assert pixels.shape == (64, 64)
    assert (pixels[-8:] == 128).all() and (pixels[:8, :8] != 128).any()
    with pytest.warns(CorruptDataWarning, match="premature end"):
        cut = _photo_file()[:-2]  # no EOI
        assert np.array_equal(jpeg.decode(cut), jpeg.decode(_photo_file()))


def test_warnings_point_at_the_callers_line():
    import warnings

    for data in (_cut_scan(), _photo_file()[:40] + b"junk" + _photo_file()[40:]):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CorruptDataWarning)
            jpeg.decode(data)
        assert caught and all(w.filename == __file__ for w in caught), [w.filename for w in caught]


def test_junk_before_a_marker_is_skipped_with_a_warning():
    data = _photo_file()
    dqt = data.index(b"\xff\xdb")
    junk = data[:dqt] + b"EXIF garbage" + data[dqt:]  # as after an APPn whose length is short
    with pytest.warns(CorruptDataWarning, match="12 extraneous bytes before marker 0xDB"):
        assert np.array_equal(jpeg.decode(junk), jpeg.decode(data))
    with pytest.raises(FormatError, match="extraneous"):
        jpeg.decode(junk, strict=True)


def test_a_component_without_a_scan_is_grey():
    skimage_data = pytest.importorskip("skimage.data")
    data = jpeg.encode(skimage_data.astronaut()[:32, :32], interleave=False)
    last_scan = data.rindex(b"\xff\xda")
    with pytest.warns(CorruptDataWarning, match="no scan"):
        pixels = jpeg.decode(data[:last_scan] + b"\xff\xd9")  # Cr never comes
    assert pixels.shape == (32, 32, 3)
    with pytest.raises(FormatError, match="no scan"):
        jpeg.decode(data[:last_scan] + b"\xff\xd9", strict=True)
