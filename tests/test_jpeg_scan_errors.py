"""Each of the entropy decoder's named scan errors, reached by a file made to end in it, says
what is wrong in its own words."""

import struct

import pytest

from fastzip import FormatError, jpeg
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
        jpeg.decode(CASES[phrase]())
    assert str(raised.value) == _message(phrase)
