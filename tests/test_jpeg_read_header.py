"""``jpeg.read_header`` reads the markers up to the first scan and no further: its cost does not
grow with the image, and a file cut right after its scan header still gives its header."""

import numpy as np
import pytest

from fastzip import FormatError, UnsupportedError, dct, jpeg


@pytest.fixture(scope="module")
def photo():
    skimage_data = pytest.importorskip("skimage.data")
    return skimage_data.astronaut()


def _after_first_sos(data: bytes) -> int:
    sos = data.index(b"\xff\xda")
    return sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")


@pytest.mark.parametrize("restart", [0, 7])
def test_a_file_cut_after_its_scan_header_still_gives_its_header(photo, restart):
    data = jpeg.encode(photo, quality=60, subsampling="4:2:2", restart_interval=restart)
    cut = data[:_after_first_sos(data)]
    with pytest.raises(FormatError):
        jpeg.decode(cut, strict=True)
    header = jpeg.read_header(cut)
    assert (header.height, header.width) == photo.shape[:2]
    assert header.sampling == [(2, 1), (1, 1), (1, 1)]
    assert header.restart_interval == restart
    assert (header.quant_tables[0] == dct.quality_table(60)).all()
    assert (header.quant_tables[1] == dct.quality_table(60, dct.CHROMINANCE)).all()


def test_the_scan_is_never_read(photo):
    """Garbage where the entropy-coded data should be does not matter to the header."""
    data = bytearray(jpeg.encode(photo))
    start = _after_first_sos(bytes(data))
    data[start:-2] = np.full(len(data) - 2 - start, 0xFF, np.uint8).tobytes()
    with pytest.raises(FormatError):
        jpeg.decode(bytes(data), strict=True)
    assert jpeg.read_header(bytes(data)).width == 512


def test_a_header_without_a_frame_is_still_an_error(photo):
    data = jpeg.encode(photo[:16, :16])
    sof = data.index(b"\xff\xc0")
    length = int.from_bytes(data[sof + 2:sof + 4], "big")
    with pytest.raises(FormatError, match="SOF"):
        jpeg.read_header(data[:sof] + data[sof + 2 + length:])
    assert jpeg.read_header(data[:sof] + b"\xff\xc2" + data[sof + 2:]).progressive
    with pytest.raises(UnsupportedError, match="lossless"):
        jpeg.read_header(data[:sof] + b"\xff\xc3" + data[sof + 2:])
