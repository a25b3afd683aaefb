"""JPEG decoding: markers, scans, dequantization, IDCT, upsampling, colour.

Reads baseline sequential (SOF0), extended sequential 8-bit Huffman (SOF1) and progressive
Huffman (SOF2: any scan script, spectral selection and successive approximation) files with 1
or 3 components, sampling factors up to 2x2 in any combination, interleaved or
non-interleaved scans, restart intervals, APPn/COM segments (skipped) and fill bytes.
Chroma is upsampled as libjpeg's "fancy" (triangular) upsampling does and converted with
libjpeg's fixed-point YCbCr -> RGB, so the output is close to Pillow's. Everything else
(lossless, hierarchical, arithmetic coding, 12-bit, CMYK/YCCK) raises UnsupportedError naming
it; malformed data raises FormatError. A progressive file's scans each add to the whole
image's coefficients; its pixels are made once the last scan is read.

A big image whose one scan holds every component, in the common layouts, gets its pixels made
on both threads while the scan is still being decoded (``_native.jpeg_pipeline``); the rest
decodes every scan first, then makes the pixels (``_reconstruct``). Peak memory: the int16
coefficients (3 bytes per pixel at 4:2:0, 6 at 4:4:4), the component planes and the image.
"""

from __future__ import annotations

import functools
import re
import struct
import sys
import threading
import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import dct
from .._native import jpeg_color as _color
from .._native import jpeg_entropy as _entropy
from .._native import jpeg_inverse as _inverse
from .._native import jpeg_pipeline as _pipeline
from .._parallel import resolve, split_rows, with_helpers
from ..errors import CorruptDataWarning, FastzipError, FormatError, OutputLimitError, UnsupportedError
from .scaled import check_scale, inverse_multiplier, reduced_plane, scaled_sizes
from .tables import STD_AC_CHROMINANCE, STD_AC_LUMINANCE, STD_DC_CHROMINANCE, STD_DC_LUMINANCE

__all__ = ["Header", "read_header", "decode", "decode_many", "MAX_IMAGE_PIXELS"]

MAX_IMAGE_PIXELS = 89_478_485  # Pillow's default decompression-bomb limit

_UNSUPPORTED_FRAMES = {
    0xC3: "lossless JPEG (SOF3)", 0xC5: "hierarchical JPEG (SOF5)",
    0xC6: "hierarchical progressive JPEG (SOF6)", 0xC7: "hierarchical lossless JPEG (SOF7)",
    0xC9: "arithmetic-coded JPEG (SOF9)", 0xCA: "arithmetic-coded progressive JPEG (SOF10)",
    0xCB: "arithmetic-coded lossless JPEG (SOF11)", 0xCD: "arithmetic-coded hierarchical JPEG (SOF13)",
    0xCE: "arithmetic-coded JPEG (SOF14)", 0xCF: "arithmetic-coded lossless JPEG (SOF15)",
}


@dataclass
class Component:
    id: int
    h: int
    v: int
    quant: int


@dataclass
class Header:
    """What :func:`read_header` finds: size, components, sampling and tables."""
    height: int
    width: int
    components: list[Component]
    quant_tables: dict[int, np.ndarray] = field(default_factory=dict)
    restart_interval: int = 0
    adobe_transform: int | None = None
    progressive: bool = False

    @property
    def sampling(self) -> list[tuple[int, int]]:
        return [(c.h, c.v) for c in self.components]

    @functools.cached_property
    def mcu_grid(self) -> tuple[int, int, int, int]:
        """(largest h, largest v, MCUs across, MCUs down), worked out once."""
        hmax = max(c.h for c in self.components)
        vmax = max(c.v for c in self.components)
        return hmax, vmax, -(-self.width // (8 * hmax)), -(-self.height // (8 * vmax))


_MARKER = re.compile(rb"\xff[^\x00\xff]")  # a marker: 0xFF, then a code that is neither stuffing nor fill
_SCAN_END = re.compile(rb"\xff[^\x00\xff\xd0-\xd7]")  # where entropy-coded data ends: a marker, not RSTn


class _Parser:
    def __init__(self, data, strict: bool = True):
        self.data = memoryview(data).cast("B")
        self.pos = 0
        self.strict = strict

    def damaged(self, what: str) -> None:
        """Damage libjpeg decodes past: FormatError when strict, else a warning that points at
        the caller's line (the first frame outside fastzip)."""
        if self.strict:
            raise FormatError(what)
        level, frame = 1, sys._getframe()
        while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] == "fastzip":
            level, frame = level + 1, frame.f_back
        warnings.warn(f"JPEG: {what}; decoded as libjpeg does", CorruptDataWarning, stacklevel=level)

    def need(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise FormatError(f"JPEG truncated in {what}")
        out = bytes(self.data[self.pos:self.pos + n])
        self.pos += n
        return out

    def marker(self) -> int:
        data, pos = self.data, self.pos
        if pos >= len(data):
            raise FormatError("JPEG truncated in a marker")
        if data[pos] != 0xFF:
            # libjpeg skips to the next marker (a segment's length was wrong, or junk between)
            found = _MARKER.search(data, pos)
            if found is None:
                if self.strict:
                    raise FormatError(f"expected a marker at byte {pos}")
                self.damaged("the file ends before its EOI marker (premature end)")
                self.pos = len(data)
                return 0xD9
            self.damaged(f"{found.start() - pos} extraneous bytes before marker 0x{data[found.start() + 1]:02X} "
                         f"at byte {pos}")
            pos = found.start()
        while pos < len(data) and data[pos] == 0xFF:  # any number of 0xFF fill bytes may precede the code
            pos += 1
        if pos >= len(data):
            raise FormatError("JPEG truncated in a marker")
        self.pos = pos + 1
        return data[pos]

    def scan_end(self) -> int:
        """Where the entropy-coded data from here ends: the next marker that is not RSTn (or
        the end of the data)."""
        found = _SCAN_END.search(self.data, self.pos)
        return len(self.data) if found is None else found.start()

    def segment(self, what: str) -> bytes:
        length, = struct.unpack(">H", self.need(2, what))
        if length < 2:
            raise FormatError(f"{what} segment length {length} is less than 2")
        return self.need(length - 2, what)


def _read_dqt(payload: bytes, tables: dict) -> None:
    tables.update(_parsed_dqt(payload))


# Segments are parsed once per distinct content (read-only results): files of a batch mostly
# carry the same tables, and reading each again held the GIL for a share of a small file's time.
@functools.lru_cache(maxsize=64)
def _parsed_dqt(payload: bytes) -> dict:
    tables, pos = {}, 0
    while pos < len(payload):
        pq, tq = payload[pos] >> 4, payload[pos] & 15
        size = 128 if pq else 64
        if pq > 1 or tq > 3 or pos + 1 + size > len(payload):
            raise FormatError("malformed DQT segment")
        raw = np.frombuffer(payload[pos + 1:pos + 1 + size], ">u2" if pq else np.uint8).astype(np.int32)
        if (raw == 0).any():
            raise FormatError("quantization table with a zero entry")
        tables[tq] = dct.unzigzag(raw)
        tables[tq].flags.writeable = False
        pos += 1 + size
    return tables


def _as_bytes(table) -> tuple[bytes, bytes]:
    return bytes(table[0]), bytes(table[1])


# Annex K.3's tables, what libjpeg uses for tables 0 (luminance) and 1 (chrominance) that a file
# never defines.
_STANDARD_DC = {0: _as_bytes(STD_DC_LUMINANCE), 1: _as_bytes(STD_DC_CHROMINANCE)}
_STANDARD_AC = {0: _as_bytes(STD_AC_LUMINANCE), 1: _as_bytes(STD_AC_CHROMINANCE)}


def _read_dht(payload: bytes, dc: dict, ac: dict) -> None:
    for tc, th, table in _parsed_dht(payload):
        (ac if tc else dc)[th] = table


@functools.lru_cache(maxsize=64)
def _parsed_dht(payload: bytes) -> tuple:
    found, pos = [], 0
    while pos < len(payload):
        if pos + 17 > len(payload):
            raise FormatError("malformed DHT segment")
        tc, th = payload[pos] >> 4, payload[pos] & 15
        bits = payload[pos + 1:pos + 17]
        count = sum(bits)
        if tc > 1 or th > 3 or count > 256 or pos + 17 + count > len(payload):
            raise FormatError("malformed DHT segment")
        values = payload[pos + 17:pos + 17 + count]
        if tc == 0 and any(v > 15 for v in values):
            raise FormatError("DC Huffman table with a symbol above 15")
        found.append((tc, th, (bits, values)))
        pos += 17 + count
    return tuple(found)


def _read_sof(marker: int, payload: bytes, max_pixels: int | None) -> Header:
    if marker in _UNSUPPORTED_FRAMES:
        raise UnsupportedError(f"{_UNSUPPORTED_FRAMES[marker]} is not supported (8-bit Huffman sequential and "
                               "progressive only)")
    if len(payload) < 6:
        raise FormatError("SOF segment too short")
    precision, height, width, ncomp = struct.unpack(">BHHB", payload[:6])
    if precision != 8:
        raise UnsupportedError(f"{precision}-bit JPEG is not supported (8-bit only)")
    if height == 0:
        raise UnsupportedError("JPEG with the height defined by a DNL marker is not supported")
    if width == 0:
        raise FormatError("JPEG width is 0")
    if ncomp == 4:
        raise UnsupportedError("4-component (CMYK/YCCK) JPEG is not supported")
    if ncomp not in (1, 3) or len(payload) != 6 + 3 * ncomp:
        raise FormatError(f"JPEG with {ncomp} components (1 or 3 expected) or a malformed SOF")
    if max_pixels is not None and height * width > max_pixels:
        raise OutputLimitError(f"image has {height * width} pixels, more than max_pixels={max_pixels}")
    comps = []
    for k in range(ncomp):
        cid, hv, tq = payload[6 + 3 * k:9 + 3 * k]
        h, v = hv >> 4, hv & 15
        if not (1 <= h <= 2 and 1 <= v <= 2):
            raise UnsupportedError(f"sampling factor {h}x{v} is not supported (at most 2x2)")
        if tq > 3:
            raise FormatError(f"component {cid} names quantization table {tq}")
        comps.append(Component(cid, h, v, tq))
    if len({c.id for c in comps}) != ncomp:
        raise FormatError("two components share an identifier")
    return Header(height, width, comps, progressive=marker == 0xC2)


def read_header(data, *, max_pixels: int | None = MAX_IMAGE_PIXELS, strict: bool = False) -> Header:
    """The frame header (size, components, sampling, quantization tables, restart interval) as
    it stands at the first scan: the markers are read up to the first SOS and no further, so
    the cost does not grow with the image. ``strict`` as :func:`decode` takes it."""
    return _decode(data, max_pixels, header_only=True, strict=strict)


def decode(data, *, max_pixels: int | None = MAX_IMAGE_PIXELS, threads: int | None = None,
           out: np.ndarray | None = None, strict: bool = False, scale: float = 1) -> np.ndarray:
    """Decode a baseline or progressive JPEG into HxWx3 RGB (3 components) or HxW grayscale uint8.

    ``scale`` 1/2, 1/4 or 1/8 gives the picture at that scale (each side rounded up), made from
    the blocks' low frequencies as libjpeg's scaled decoding and Pillow's ``draft`` do
    (:mod:`.scaled`): for thumbnails and data loaders, without the full-size picture.

    Damage libjpeg decodes past is decoded as libjpeg decodes it, with a
    :class:`~fastzip.errors.CorruptDataWarning`: junk before a marker (skipped), a truncated
    scan or file (what is missing stays grey), a Huffman code that is none (read as symbol 0),
    a DC value out of range (kept), an AC run past the block's end (its value lands in the last
    coefficient), a component that never got a scan (grey). ``strict=True`` raises
    :class:`~fastzip.errors.FormatError` for each instead.

    ``threads``: how many threads may make pixels while the scan is decoded
    (``fastzip.get_threads()`` when None, one per 32,768 pixels at most); the pixels are the same
    for any number. ``out``: a C-contiguous uint8 array of exactly the image's shape to decode
    into (written in place in the common layouts; returned)."""
    if out is not None and not (isinstance(out, np.ndarray) and out.dtype == np.uint8 and out.flags.c_contiguous
                                and out.flags.writeable):
        raise ValueError("out must be a writable C-contiguous uint8 numpy array")
    return _decode(data, max_pixels, header_only=False, threads=threads, out=out, strict=strict,
                   scale=check_scale(scale))


def decode_many(files, *, threads: int | None = None, max_pixels: int | None = MAX_IMAGE_PIXELS,
                strict: bool = False, scale: float = 1) -> list[np.ndarray]:
    """:func:`decode` of each of ``files`` (bytes-like), a whole image per thread at a time on
    ``threads`` threads: what a data loader wants for a batch of photos. The first file that
    fails raises its error, naming its index.

    By default (``fastzip.get_threads()``) one thread per file at most, and one thread when the
    files average under 6 KiB: reading a file's markers holds the GIL (~0.1 ms a file), so two
    threads on 128x128 thumbnails (2.6 KiB) are slower than one (0.76x; measured 1.3x faster
    at 256x256, 9-12 KiB, and 1.8x at 512x512)."""
    files = list(files)
    images = [None] * len(files)
    small = sum(len(f) for f in files) < len(files) * (6 << 10)

    def decode_range(first, end):
        for i in range(first, end):
            try:
                images[i] = decode(files[i], max_pixels=max_pixels, threads=1, strict=strict, scale=scale)
            except FastzipError as exc:
                raise type(exc)(f"file {i}: {exc}") from exc

    split_rows(decode_range, len(files), resolve(threads, cap=1 if small else len(files)),
               pieces_per_worker=max(1, len(files)))
    return images


def _destination(header: Header, out: np.ndarray | None, channels: int, scale: int = 1) -> np.ndarray:
    """Where the image goes: ``out`` when given (checked against the image's shape at
    1/``scale``), else new."""
    shape = (-(-header.height // scale), -(-header.width // scale)) + ((3,) if channels == 3 else ())
    if out is None:
        return np.empty(shape, np.uint8)
    if out.shape != shape:
        raise ValueError(f"out has shape {out.shape}; the image is {shape}")
    return out


def _decode(data, max_pixels, header_only, threads=None, out=None, strict=True, scale=1):
    p = _Parser(data, strict)
    if p.need(2, "the SOI marker") != b"\xff\xd8":
        raise FormatError("not a JPEG file (no SOI marker)")
    quant, dc_tables, ac_tables = {}, {}, {}
    header = None
    restart_interval = 0
    adobe = None
    coeffs = None
    seen_scan = set()
    try:
        while True:
            if p.pos >= len(p.data) and seen_scan and not header_only:
                p.damaged("the file ends before its EOI marker (premature end)")
                break
            marker = p.marker()
            if marker == 0xD9:  # EOI
                break
            if 0xD0 <= marker <= 0xD7 or marker == 0x01:
                continue  # stray RSTn / TEM: no payload
            if marker == 0xDA:
                if header is None:
                    raise FormatError("scan (SOS) before the frame header (SOF)")
                if header_only:
                    break
                workers = _workers(header, threads)
                if coeffs is None:
                    coeffs = _allocate(header)
                    coeffs["scale"] = scale
                    coeffs["out"] = _destination(header, out, len(header.components)) if out is not None and scale == 1 \
                        else None
                    if header.progressive and workers > 1:
                        coeffs["deferred"], coeffs["workers"] = [], workers
                header.adobe_transform = adobe
                _read_scan(p, header, quant, dc_tables, ac_tables, restart_interval, coeffs, seen_scan, workers)
                continue
            payload = p.segment(f"marker 0x{marker:02X}")
            if marker == 0xDB:
                _read_dqt(payload, quant)
            elif marker == 0xC4:
                _read_dht(payload, dc_tables, ac_tables)
            elif marker == 0xDD:
                if len(payload) != 2:
                    raise FormatError("malformed DRI segment")
                restart_interval, = struct.unpack(">H", payload)
            elif marker in (0xC0, 0xC1, 0xC2) or marker in _UNSUPPORTED_FRAMES:
                if header is not None:
                    raise FormatError("more than one frame header (SOF)")
                header = _read_sof(marker, payload, max_pixels)
            elif marker == 0xCC:
                raise UnsupportedError("arithmetic-coded JPEG (DAC segment) is not supported")
            elif marker == 0xEE and payload[:5] == b"Adobe" and len(payload) >= 12:
                adobe = payload[11]
    except FastzipError:
        # A progressive file's scans may wait to be decoded on threads: one that fails came
        # before what failed here, so its error is the one to raise.
        _decode_deferred_scans(p, coeffs)
        raise
    _decode_deferred_scans(p, coeffs)
    if header is None:
        raise FormatError("JPEG has no frame header (SOF)")
    header.restart_interval = restart_interval
    header.adobe_transform = adobe
    if header_only:
        header.quant_tables = dict(quant)
        return header
    if coeffs is None:
        raise FormatError("JPEG has no scan (no image data)")
    missing = [c for c in header.components if c.id not in seen_scan]
    if missing:
        p.damaged("a component has no scan (the image data is incomplete)")
        for c in missing:  # its coefficients stay zero (grey); any table dequantizes zeros
            quant.setdefault(c.quant, np.ones((8, 8), np.int32))
    if scale != 1:
        image = _reconstruct_scaled(header, quant, coeffs, scale, _workers(header, threads))
    else:
        image = coeffs["image"] if "image" in coeffs else _reconstruct(header, quant, coeffs, _workers(header, threads))
    if out is not None and image is not out:  # a layout with no in-place path (Adobe RGB, odd sampling)
        _destination(header, out, 3 if image.ndim == 3 else 1, scale)[...] = image
        return out
    return image


def _grid(header: Header):
    return header.mcu_grid


def _allocate(header: Header) -> dict:
    _, _, mcus_x, mcus_y = _grid(header)
    layout, total = {}, 0
    for c in header.components:
        rows, cols = mcus_y * c.v, mcus_x * c.h
        layout[c.id] = (total, rows, cols)
        total += rows * cols
    return {"buffer": np.zeros((total, 64), np.int16), "layout": layout}


@functools.lru_cache(maxsize=64)
def _packed_tables(tables: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A scan's Huffman tables ((BITS, HUFFVAL) bytes per component) as ``decode_scan`` takes
    them; remembered, as most files carry the same standard tables."""
    bits = np.zeros((len(tables), 16), np.uint8)
    vals = np.zeros((len(tables), 256), np.uint8)
    count = np.zeros(len(tables), np.int32)
    for k, (b, v) in enumerate(tables):
        bits[k], count[k] = np.frombuffer(b, np.uint8), len(v)
        vals[k, :len(v)] = np.frombuffer(v, np.uint8)
    for array in (bits, vals, count):
        array.flags.writeable = False
    return bits, vals, count


def _read_scan(p, header, quant, dc_tables, ac_tables, restart_interval, coeffs, seen, workers):
    payload = p.segment("SOS")
    if not payload or len(payload) != 1 + 2 * payload[0] + 3:
        raise FormatError("malformed SOS segment")
    ns = payload[0]
    if header.progressive:
        _read_progressive_scan(p, header, payload, quant, dc_tables, ac_tables, restart_interval, coeffs, seen)
        return
    by_id = {c.id: c for c in header.components}
    members = []
    for k in range(ns):
        cid, tables = payload[1 + 2 * k], payload[2 + 2 * k]
        if cid not in by_id:
            raise FormatError(f"scan names component {cid}, which the frame does not have")
        td, ta = tables >> 4, tables & 15
        # Motion-JPEG frames carry no DHT: like libjpeg, tables 0 and 1 default to Annex K.3's.
        dc_tables.setdefault(td, _STANDARD_DC.get(td))
        ac_tables.setdefault(ta, _STANDARD_AC.get(ta))
        if dc_tables[td] is None or ac_tables[ta] is None:
            raise FormatError(f"scan uses Huffman table DC{td}/AC{ta}, which was never defined")
        if by_id[cid].quant not in quant:
            raise FormatError(f"component {cid} uses quantization table {by_id[cid].quant}, never defined")
        if cid in seen:
            raise FormatError(f"component {cid} is in a second scan (a sequential JPEG codes each once)")
        members.append((by_id[cid], dc_tables[td], ac_tables[ta]))
    ss, se, ahal = payload[-3:]
    if (ss, se, ahal) != (0, 63, 0) or ns > 4:
        raise UnsupportedError("scan with spectral selection or successive approximation (progressive)")
    sx, sy, hs, vs, offset, stride = _scan_layout(header, [m[0] for m in members], coeffs)

    dc_bits, dc_vals, dc_count = _packed_tables(tuple(m[1] for m in members))
    ac_bits, ac_vals, ac_count = _packed_tables(tuple(m[2] for m in members))

    def scan(progress=None):
        return _entropy.decode_scan(p.data, p.pos, sx, sy, restart_interval, np.array(hs, np.int32),
                                    np.array(vs, np.int32), offset, stride, dc_bits, dc_vals, dc_count,
                                    ac_bits, ac_vals, ac_count, coeffs["buffer"], progress, not p.strict)

    whole = not seen and ns == len(header.components)
    if not whole:
        pixels = None
    elif coeffs["scale"] == 1:
        pixels = _pixel_pipeline(header, quant, coeffs, vs, sy, workers)
    else:
        pixels = _scaled_pipeline(header, quant, coeffs, vs, sy, workers)
    if pixels is None:
        status, end, warned = scan()
    else:
        job, result = pixels

        def decode_then_help():
            try:
                result = scan(job.sync)
            except BaseException:
                job.abort()
                raise
            if result[0]:
                job.abort()
            else:
                job.work()
            return result

        status, end, warned = with_helpers(job.work, decode_then_help, workers)
        if not status:
            coeffs["image" if coeffs["scale"] == 1 else "planes"] = result
    _scan_outcome(p, status, warned)
    p.pos = end
    seen.update(m[0].id for m in members)


def _scan_layout(header: Header, components: list, coeffs: dict):
    """A scan's MCU grid and its components' block layout: (MCUs across, MCUs down, blocks
    across and down per MCU, each component's first block and blocks per row in the buffer)."""
    hmax, vmax, mcus_x, mcus_y = _grid(header)
    if len(components) == 1:  # non-interleaved: one block per MCU over the component's own block grid
        c = components[0]
        comp_w = -(-header.width * c.h // hmax)
        comp_h = -(-header.height * c.v // vmax)
        sx, sy, hs, vs = -(-comp_w // 8), -(-comp_h // 8), [1], [1]
    else:
        sx, sy = mcus_x, mcus_y
        hs, vs = [c.h for c in components], [c.v for c in components]
    offset = np.array([coeffs["layout"][c.id][0] for c in components], np.int32)
    stride = np.array([coeffs["layout"][c.id][2] for c in components], np.int32)
    return sx, sy, hs, vs, offset, stride


def _pixel_per_block(header: Header, component: Component, scale: int) -> bool:
    """Whether a scaled decode makes one pixel of each of this component's blocks."""
    hmax, vmax, _, _ = _grid(header)
    return scale == 8 and scaled_sizes(component.h, component.v, hmax, vmax, 1) == 1


def _read_progressive_scan(p, header, payload, quant, dc_tables, ac_tables, restart_interval, coeffs, seen):
    """One scan of a progressive frame (T.81 G.1.1): a spectral band of coefficients (DC, for
    one or more components; or one component's AC band) at one bit position, added to the
    coefficients earlier scans left. The pixels are made once every scan is read."""
    ns = payload[0]
    ss, se, ahal = payload[-3:]
    ah, al = ahal >> 4, ahal & 15
    if ns > 4 or se > 63 or ss > se or (ss == 0) != (se == 0) or (ss > 0 and ns != 1) or ah > 13 or al > 13:
        raise FormatError(f"invalid progressive scan: {ns} components, band {ss}..{se}, bits {ah}/{al}")
    if ah and al != ah - 1:
        raise FormatError(f"invalid progressive scan: refines bit {al} after bit {ah}")
    by_id = {c.id: c for c in header.components}
    if ss > 0 and payload[1] in by_id and _pixel_per_block(header, by_id[payload[1]], coeffs["scale"]):
        # the component's blocks become one pixel each, their DC: its AC scans are skipped unread
        p.pos = p.scan_end()
        seen.add(payload[1])
        return
    members, tables = [], []
    for k in range(ns):
        cid, selectors = payload[1 + 2 * k], payload[2 + 2 * k]
        if cid not in by_id:
            raise FormatError(f"scan names component {cid}, which the frame does not have")
        if by_id[cid].quant not in quant:
            raise FormatError(f"component {cid} uses quantization table {by_id[cid].quant}, never defined")
        members.append(by_id[cid])
        # DC first scans use the DC table, AC scans the AC table, DC refinement none
        kind, index = (dc_tables, selectors >> 4) if ss == 0 else (ac_tables, selectors & 15)
        if ss == 0 and ah:
            tables.append((bytes(16), b""))
            continue
        kind.setdefault(index, (_STANDARD_DC if ss == 0 else _STANDARD_AC).get(index))
        if kind[index] is None:
            raise FormatError(f"scan uses Huffman table {'DC' if ss == 0 else 'AC'}{index}, which was never defined")
        tables.append(kind[index])
    if len({c.id for c in members}) != ns:
        raise FormatError("a scan names a component twice")
    sx, sy, hs, vs, offset, stride = _scan_layout(header, members, coeffs)
    bits, vals, count = _packed_tables(tuple(tables))
    args = (p.data, p.pos, sx, sy, restart_interval, np.array(hs, np.int32), np.array(vs, np.int32), offset, stride,
            bits, vals, count, ss, se, ah, al, coeffs["buffer"], not p.strict)
    if coeffs.get("deferred") is not None:  # decoded with the others once every marker is read
        end = p.scan_end()  # where the decoder would stop
        coeffs["deferred"].append((args, {c.id for c in members}, ss, se))
    else:
        status, end, warned = _entropy.decode_progressive_scan(*args)
        _scan_outcome(p, status, warned)
    p.pos = end
    seen.update(c.id for c in members)


def _decode_deferred_scans(p: _Parser, coeffs: dict | None) -> None:
    """Decode the progressive scans set aside by :func:`_read_progressive_scan` on the threads
    of ``coeffs["workers"]``: a scan starts once every earlier scan of one of its components
    and an overlapping band is done (a refinement needs the bits before it; other scans write
    other coefficients). Their outcomes (errors, warnings) are then taken in file order."""
    jobs = coeffs.pop("deferred", None) if coeffs is not None else None
    if not jobs:
        return
    after = [[i for i in range(j) if jobs[i][1] & jobs[j][1] and jobs[i][2] <= jobs[j][3] and jobs[j][2] <= jobs[i][3]]
             for j in range(len(jobs))]
    results = [None] * len(jobs)
    started, done = [False] * len(jobs), [False] * len(jobs)
    turn = threading.Condition()

    def work():
        while True:
            with turn:
                while True:
                    ready = next((j for j in range(len(jobs)) if not started[j] and all(done[i] for i in after[j])),
                                 None)
                    if ready is not None or all(started):
                        break
                    turn.wait()
                if ready is None:
                    return
                started[ready] = True
            try:
                results[ready] = _entropy.decode_progressive_scan(*jobs[ready][0])
            finally:
                with turn:
                    done[ready] = True
                    turn.notify_all()

    with_helpers(work, work, coeffs["workers"])
    for status, _, warned in results:
        _scan_outcome(p, status, warned)


def _scan_outcome(p: _Parser, status: int, warned: int) -> None:
    """A scan's error, or (lenient) one warning naming what was repaired."""
    if status:
        raise FormatError(f"invalid JPEG scan: {_entropy.SCAN_ERRORS[status]}")
    if warned:
        p.damaged("; ".join(text for key, text in _entropy.SCAN_ERRORS.items() if warned & (1 << -key)))


_PIXELS_PER_THREAD = 1 << 15  # by default each thread gets at least this many pixels: a hand-off costs more


def _workers(header: Header, threads: int | None) -> int:
    """Threads for this image's pixels: as asked, or the default capped by its size; never more
    than its MCU rows."""
    _, _, _, mcus_y = _grid(header)
    return min(resolve(threads, cap=header.width * header.height // _PIXELS_PER_THREAD), mcus_y)


def _targets(header: Header, quant: dict, coeffs: dict) -> list[tuple]:
    """Per component: its blocks, its grid's width in blocks, its dequantizing IDCT multiplier,
    and the plane (its own size, cropped) its pixels go to."""
    hmax, vmax, _, _ = _grid(header)
    targets = []
    for c in header.components:
        start, rows, cols = coeffs["layout"][c.id]
        blocks = coeffs["buffer"][start:start + rows * cols]
        if len(header.components) == 1 and coeffs.get("out") is not None:
            plane = coeffs["out"]  # one component: its plane (the image's size) is the output
        else:
            plane = np.empty((-(-header.height * c.v // vmax), -(-header.width * c.h // hmax)), np.uint8)
        multiplier = inverse_multiplier(quant[c.quant])
        targets.append((blocks, cols, multiplier, plane))
    return targets


def _one_pass_chroma(header: Header) -> tuple[int, int] | None:
    """Chroma's upsampling factors when upsampling and colour conversion run as one pass over
    output rows (YCbCr, Y at full size, Cb and Cr alike at 1x1, 2x1 or 2x2: the common layouts)."""
    hmax, vmax, _, _ = _grid(header)
    if len(header.components) != 3 or header.adobe_transform == 0:
        return None
    return _one_pass_factors([(hmax // c.h, vmax // c.v) for c in header.components])


def _one_pass_factors(factors: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Chroma's factors when the planes' upsampling ``factors`` are the common layouts' (Y as
    it is, Cb and Cr alike at 1x1, 2x1 or 2x2), else None."""
    if factors[0] == (1, 1) and factors[1] == factors[2] and factors[1] in ((1, 1), (2, 1), (2, 2)):
        return factors[1]
    return None


def _pixel_pipeline(header: Header, quant: dict, coeffs: dict, rows_per_mcu: list[int], mcu_rows: int,
                    workers: int):
    """For a scan of every component of an image in a common layout, with more than one worker:
    a job that makes the pixels while the scan is decoded (``_native.jpeg_pipeline``), and the
    image it fills."""
    if not _pipeline.PIPELINE or workers < 2:
        return None
    chroma = _one_pass_chroma(header)
    if len(header.components) == 3 and chroma is None:
        return None
    targets = _targets(header, quant, coeffs)
    components = [(blocks, cols, v, multiplier, 8, plane)
                  for (blocks, cols, multiplier, plane), v in zip(targets, rows_per_mcu)]
    image = targets[0][3] if chroma is None else _destination(header, coeffs.get("out"), 3)
    job = _pipeline.Reconstruction(components, None if chroma is None else image, *(chroma or (1, 1)),
                                   mcu_rows, 8 * rows_per_mcu[0])  # Y is full size: 8 rows per block row
    return job, image


def _reconstruct(header: Header, quant: dict, coeffs: dict, workers: int) -> np.ndarray:
    """Pixels from coefficients: per component a fused dequantize + IDCT + clamp into its plane,
    then upsampling and colour conversion (:func:`_colour`); each step split between ``workers``
    threads."""
    hmax, vmax, mcus_x, mcus_y = _grid(header)
    targets = _targets(header, quant, coeffs)
    planes = [plane for _, _, _, plane in targets]

    def inverse(first, end):  # MCU rows first..end of every component
        for blocks, cols, multiplier, plane in targets:
            block_rows = -(-plane.shape[0] // 8)
            _inverse.idct_to_plane(blocks, cols, multiplier, block_rows * first // mcus_y, block_rows * end // mcus_y,
                                   plane)

    split_rows(inverse, mcus_y, workers)
    factors = [(hmax // c.h, vmax // c.v) for c in header.components]
    return _colour(header, planes, factors, header.height, header.width, coeffs.get("out"), workers)


def _scaled_targets(header: Header, coeffs: dict, scale: int) -> list[tuple]:
    """Per component at 1/``scale``: its blocks, its grid's width in blocks, the pixels a block
    side its reduced transform makes, its plane's shape (libjpeg's downsampled size at this
    scale) and its upsampling factors from there to the output's scale."""
    hmax, vmax, _, _ = _grid(header)
    n = 8 // scale
    targets = []
    for c in header.components:
        start, rows, cols = coeffs["layout"][c.id]
        size = scaled_sizes(c.h, c.v, hmax, vmax, n)
        own = (-(-header.height * c.v * size // (vmax * 8)), -(-header.width * c.h * size // (hmax * 8)))
        targets.append((coeffs["buffer"][start:start + rows * cols], cols, size, own,
                        (hmax * n // (c.h * size), vmax * n // (c.v * size))))
    return targets


def _scaled_pipeline(header: Header, quant: dict, coeffs: dict, rows_per_mcu: list[int], mcu_rows: int,
                     workers: int):
    """For a scan of every component, decoded at a reduced scale with more than one worker: a
    job that makes the reduced planes while the scan is decoded (``_native.jpeg_pipeline``),
    and the planes it fills."""
    if not _pipeline.PIPELINE or workers < 2:
        return None
    targets = _scaled_targets(header, coeffs, coeffs["scale"])
    planes = [np.empty(own, np.uint8) for _, _, _, own, _ in targets]
    if any(plane.size == 0 for plane in planes):
        return None
    job = _pipeline.Reduction([(blocks, cols, v, inverse_multiplier(quant[c.quant]), size, plane)
                               for (blocks, cols, size, _, _), v, c, plane
                               in zip(targets, rows_per_mcu, header.components, planes)], mcu_rows)
    return job, planes


def _reconstruct_scaled(header: Header, quant: dict, coeffs: dict, scale: int, workers: int) -> np.ndarray:
    """The picture at 1/``scale`` from the coefficients (:mod:`.scaled`): each component's
    blocks through a reduced inverse DCT (unless the scan's pipeline made the planes already),
    chroma upsampled only where its transform could not reach the output's scale, then colour
    as at full size (:func:`_colour`)."""
    targets = _scaled_targets(header, coeffs, scale)
    planes = coeffs.get("planes") or [reduced_plane(blocks, cols, quant[c.quant], size, own, workers)
                                      for (blocks, cols, size, own, _), c in zip(targets, header.components)]
    n = 8 // scale
    height, width = -(-header.height // scale), -(-header.width // scale)
    # libjpeg upsamples smoothly only when blocks give more than one pixel
    return _colour(header, planes, [t[4] for t in targets], height, width, None, workers, smooth=n > 1)


def _colour(header: Header, planes: list, factors: list, height: int, width: int, out: np.ndarray | None,
            workers: int, smooth: bool = True) -> np.ndarray:
    """The picture (``height`` x ``width``) from the component planes, each upsampled by its
    ``factors``: libjpeg's smooth ("fancy") upsampling where ``smooth`` and the plane is more
    than 2 samples wide, else its samples repeated, as libjpeg does then; then YCbCr -> RGB into
    ``out`` (new when None), or the planes as they are after an Adobe marker saying RGB. Rows
    are shared by ``workers`` threads."""
    if len(planes) == 1:
        return np.ascontiguousarray(planes[0][:height, :width])
    fancy = [smooth and p.shape[1] > 2 for p in planes]
    chroma = _one_pass_factors(factors) if header.adobe_transform != 0 else None
    if chroma is not None and (chroma == (1, 1) or fancy[1] and fancy[2]):
        out = np.empty((height, width, 3), np.uint8) if out is None else out
        split_rows(lambda first, end: _color.upsampled_ycbcr_to_rgb(*planes, *chroma, out, first, end), height,
                   workers)
        return out
    full = [_upsampled(p, fx, fy, f, workers) for p, (fx, fy), f in zip(planes, factors, fancy)]
    if header.adobe_transform == 0:  # Adobe marker: the three components are RGB, not YCbCr
        return np.stack([p[:height, :width] for p in full], axis=-1)
    out = np.empty((height, width, 3), np.uint8) if out is None else out
    split_rows(lambda first, end: _color.ycbcr_to_rgb(*(p[first:end] for p in full), out[first:end]), height,
               workers)
    return out


def _upsampled(plane: np.ndarray, fx: int, fy: int, fancy: bool, workers: int = 1) -> np.ndarray:
    if (fx, fy) == (1, 1):
        return plane
    if not fancy:
        return np.ascontiguousarray(np.repeat(np.repeat(plane, fy, axis=0), fx, axis=1))
    full = np.empty((plane.shape[0] * fy, plane.shape[1] * fx), np.uint8)
    split_rows(lambda first, end: _color.upsample(plane, fx, fy, full, first, end), plane.shape[0], workers)
    return full
