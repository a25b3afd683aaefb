"""JPEG (ITU T.81, JFIF): an encoder whose files Pillow (libjpeg-turbo) opens.

:func:`encode` takes HxWx3 RGB or HxW grayscale uint8 of any size and writes JFIF baseline
sequential (or, with ``progressive``, progressive: :func:`_encode_progressive`): RGB -> YCbCr
(BT.601 full range, as JFIF specifies), chroma subsampling (4:2:0, 4:2:2 or 4:4:4, averaging),
level shift, 8x8 DCT (:mod:`fastzip.dct`), quantization with the Annex K tables scaled by the
IJG quality formula (or, with ``trellis``, values chosen by rate-distortion:
:func:`trellis_blocks`), zigzag, DC prediction, AC run-lengths with ZRL/EOB, and the standard
Annex K Huffman tables or, with ``optimize``, tables built for the image (optimal codes of at
most 16 bits, none all ones). Restart markers every ``restart_interval`` MCUs.

:func:`encode` runs its steps in order, each a function of its own: :func:`_validate`, the
scans (:class:`FusedScan` from the pixels in one pass, or :func:`component_blocks` step by
step for non-interleaved files), :func:`_huffman_tables`, :func:`_entropy_code`, :func:`_headers`.
"""

from __future__ import annotations

import functools
import struct
import threading

import numpy as np

from .. import dct, huffman
from .._native import dct as _dct_native
from .._native import jpeg_color as _color
from .._native import jpeg_entropy as _entropy
from .._native import jpeg_forward as _forward
from .._native import jpeg_pipeline as _pipeline
from .._native import jpeg_trellis as _trellis
from .._parallel import resolve, split_rows, with_helpers
from .tables import (
    STD_AC_CHROMINANCE,
    STD_AC_LUMINANCE,
    STD_DC_CHROMINANCE,
    STD_DC_LUMINANCE,
    codes_from_table,
)

__all__ = ["encode", "SUBSAMPLING", "FusedScan", "component_blocks", "interleaved_scan"]

# (horizontal, vertical) sampling factors of Y; chroma is always 1x1.
SUBSAMPLING = {"4:4:4": (1, 1), "4:2:2": (2, 1), "4:2:0": (2, 2)}


def _blocks(plane: np.ndarray) -> np.ndarray:
    """A plane (multiple of 8 in both sizes) as blocks indexed [block_row, block_col, 8, 8]."""
    rows, cols = plane.shape
    return plane.reshape(rows // 8, 8, cols // 8, 8).transpose(0, 2, 1, 3)


def _quantized_zigzag(plane: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Level-shifted plane -> quantized coefficients in zigzag order, [block_row, block_col, 64],
    within baseline's limits (DC differences of 11 bits, AC values of 10 bits)."""
    return _quantized(dct.forward(_blocks(plane)), table)


def _quantized(coeffs: np.ndarray, table: np.ndarray) -> np.ndarray:
    """:func:`_quantized_zigzag` of a plane's DCT ([block_row, block_col, 8, 8])."""
    rows, cols = coeffs.shape[:2]
    out = np.empty((rows * cols, 64), np.int16)
    reciprocal = (1.0 / np.asarray(table, np.float32)).ravel()
    _dct_native.quantize_zigzag(coeffs.reshape(-1, 8, 8), reciprocal, dct.ZIGZAG, -1024, 1023, 1023, out)
    return out.reshape(rows, cols, 64)


def component_planes(img, hmax, vmax, padded_h, padded_w, workers: int = 1) -> list[np.ndarray]:
    """Level-shifted YCbCr planes (gray: one), chroma downsampled, each padded to whole MCUs;
    rows shared by ``workers`` threads."""
    gray = img.ndim == 2
    planes = np.empty((1 if gray else 3, padded_h, padded_w), np.float32)
    if gray:
        split_rows(lambda first, end: _color.gray_to_plane(img, planes[0], first, end), padded_h, workers)
    else:
        split_rows(lambda first, end: _color.rgb_to_ycbcr(img, planes, first, end), padded_h, workers)
    out = [planes[0]]
    for plane in planes[1:]:
        if (hmax, vmax) != (1, 1):
            small = np.empty((padded_h // vmax, padded_w // hmax), np.float32)
            split_rows(lambda first, end: _color.downsample(plane, hmax, vmax, small, first, end), len(small),
                       workers)
            plane = small
        out.append(plane)
    return out


def component_blocks(img, hmax, vmax, padded_h, padded_w, tables, workers: int = 1) -> list[np.ndarray]:
    """Step by step: YCbCr planes, downsampled chroma, then each plane's quantized blocks
    ([block_row, block_col, 64]). Non-interleaved scans need each component's own grid."""
    return [_quantized_zigzag(plane, tables[min(k, 1)])
            for k, plane in enumerate(component_planes(img, hmax, vmax, padded_h, padded_w, workers))]


TRELLIS_LAMBDA = 0.02  # lambda = this x the table's mean squared AC step (squared pixel error per bit)
TRELLIS_PASSES = 1  # a second pass, pricing with tables made for the first one's choices, gained nothing


def trellis_blocks(img, hmax, vmax, padded_h, padded_w, tables, workers: int = 1) -> list[np.ndarray]:
    """:func:`component_blocks` with each block's AC values chosen by rate-distortion
    (``_native.jpeg_trellis``) under the code lengths of Huffman tables made for the blocks as
    they stand (plainly rounded, then the last pass's choices): luma's for luma, chroma's
    shared by both chroma components, as the file will code them."""
    planes = component_planes(img, hmax, vmax, padded_h, padded_w, workers)
    blocks, shapes, inputs = [], [], []
    for k, plane in enumerate(planes):
        table = np.asarray(tables[min(k, 1)], np.float32).ravel()
        coeffs = dct.forward(_blocks(plane))
        blocks.append(_quantized(coeffs, tables[min(k, 1)]).reshape(-1, 64))
        shapes.append(coeffs.shape[:2])
        inputs.append((np.ascontiguousarray((coeffs.reshape(-1, 64) / table)[:, dct.ZIGZAG]),
                       np.ascontiguousarray(table[dct.ZIGZAG] ** 2), TRELLIS_LAMBDA * float(np.mean(table[1:] ** 2))))
    for _ in range(TRELLIS_PASSES):
        lengths = [_ac_code_lengths([blocks[k] for k in group]) for group in ([0], [1, 2])[:min(len(planes), 2)]]
        for k, (x, weight, lam) in enumerate(inputs):
            _trellis.trellis_blocks(x, weight, lengths[min(k, 1)], lam, blocks[k])
    return [b.reshape(*shape, 64) for b, shape in zip(blocks, shapes)]


def _ac_code_lengths(block_sets) -> np.ndarray:
    """Code lengths (256) of the optimal AC table for these blocks' symbols."""
    dc_freq, ac_freq = np.zeros((1, 16), np.int64), np.zeros((1, 256), np.int64)
    for blocks in block_sets:
        _entropy.count_symbols(blocks, np.zeros(len(blocks), np.uint8), 1, 0, dc_freq, ac_freq)
    return codes_from_table(*_huffman_from_counts(ac_freq[0]))[1]


_BLOCKS_PER_THREAD = 768  # a default gives each thread this many blocks at least (2 win from 256x256)
_PIECES_PER_WORKER = 4  # pieces claimed one at a time, so a thread slowed by others takes fewer


class FusedScan:
    """The interleaved scan straight from the pixels (``_native.jpeg_forward``): the same
    coefficients as the step-by-step path, without its planes. :meth:`fill` makes every block
    (for Huffman tables made for the image, which count them all first); :meth:`code_in_pieces`
    makes and codes them a row at a time, never holding the whole scan's."""

    def __init__(self, img, hmax, vmax, mcus_y, mcus_x, tables, threads=None):
        channels = 1 if img.ndim == 2 else 3
        ncomp = 1 if channels == 1 else 3
        self.per_mcu = hmax * vmax + (2 if channels == 3 else 0)
        self.component = np.tile(np.repeat(np.arange(ncomp, dtype=np.uint8), [hmax * vmax, 1, 1][:ncomp]),
                                 mcus_y * mcus_x)
        self.members = list(range(ncomp))
        self.multiplier = np.stack([dct.FORWARD_SCALE / np.asarray(t, np.float64).ravel()
                                    for t in tables]).astype(np.float32)
        self.rows = img.reshape(img.shape[0], -1)
        self.channels, self.hmax, self.vmax, self.mcus_y = channels, hmax, vmax, mcus_y
        self.workers = min(resolve(threads, cap=len(self.component) // _BLOCKS_PER_THREAD), mcus_y)
        self.unmade = (None, self.component, self.per_mcu, self.members)  # a scan as encode lists them

    def fill(self):
        blocks = np.empty((len(self.component), 64), np.int16)
        split_rows(lambda first, end: _forward.mcu_coefficients(self.rows, self.channels, self.hmax, self.vmax,
                                                                first, end, self.multiplier, dct.ZIGZAG, blocks),
                   self.mcus_y, self.workers)
        return blocks, self.component, self.per_mcu, self.members

    def code_in_pieces(self, tables, per_block: int):
        """Make and entropy-code the scan, a piece of MCU rows per claim on every worker; what
        ``Encoding.join`` returns. ``per_block``: each piece's output room."""
        pieces = min(self.mcus_y, _PIECES_PER_WORKER * self.workers)
        job = _pipeline.Encoding(self.rows, self.channels, self.hmax, self.vmax, self.multiplier, dct.ZIGZAG,
                                 None, self.component, self.per_mcu, self.mcus_y,
                                 len(self.component) // self.mcus_y, *tables, pieces, per_block)
        with_helpers(job.work, job.work, self.workers)
        return job.join()


def _code_made_blocks_in_pieces(blocks, comp, per_mcu, tables, workers: int, per_block: int):
    """A scan whose blocks are all made, coded in pieces on ``workers`` threads (as
    :meth:`FusedScan.code_in_pieces` does while it makes them)."""
    mcus = len(blocks) // per_mcu
    job = _pipeline.Encoding(None, 0, 0, 0, None, None, blocks, comp, per_mcu, mcus, per_mcu, *tables,
                             min(mcus, _PIECES_PER_WORKER * workers), per_block)
    with_helpers(job.work, job.work, workers)
    return job.join()


def _count_symbols(scans, ncomp: int, restart_interval: int, workers: int):
    """DC and AC symbol counts per component over the scans, in pieces on ``workers`` threads."""
    dc_freq = np.zeros((ncomp, 16), np.int64)
    ac_freq = np.zeros((ncomp, 256), np.int64)
    lock = threading.Lock()
    for blocks, comp, per_mcu, _ in scans:
        def count(first, end):
            dc, ac = np.zeros_like(dc_freq), np.zeros_like(ac_freq)
            _entropy.count_symbols(blocks, comp, per_mcu, restart_interval, dc, ac, first * per_mcu, end * per_mcu)
            with lock:
                np.add(dc_freq, dc, out=dc_freq)
                np.add(ac_freq, ac, out=ac_freq)
        split_rows(count, len(blocks) // per_mcu, workers)
    return dc_freq, ac_freq


@functools.lru_cache(maxsize=128)
def _quality_tables(quality: int) -> tuple[np.ndarray, np.ndarray]:
    """The luminance and chrominance tables at ``quality`` (read-only: they are shared)."""
    tables = (dct.quality_table(quality, dct.LUMINANCE), dct.quality_table(quality, dct.CHROMINANCE))
    for table in tables:
        table.flags.writeable = False
    return tables


@functools.lru_cache(maxsize=256)
def _dqt(quality: int, table_id: int) -> bytes:
    return _segment(0xDB, bytes([table_id]) + dct.zigzag(_quality_tables(quality)[table_id]).astype(np.uint8).tobytes())


@functools.lru_cache(maxsize=32)
def _codes(bits: tuple, huffval: tuple, size: int = 256):
    """:func:`codes_from_table`, remembered: the standard tables come back on every encode."""
    return codes_from_table(bits, huffval, size=size)


def _huffman_from_counts(freq: np.ndarray) -> tuple[tuple, tuple]:
    """BITS/HUFFVAL of an optimal code of at most 16 bits in which no code is all ones.

    A pseudo-symbol lighter than every real one takes the all-ones code (the last code of
    the longest length) and is then dropped, as T.81 K.2 requires.
    """
    weights = np.append(2 * freq.astype(np.int64), 1)
    lengths = np.asarray(huffman.code_lengths(weights, 16)[:-1])
    used = np.flatnonzero(lengths)
    symbols = used[np.argsort(lengths[used], kind="stable")]  # by length, then by value
    bits = np.bincount(lengths, minlength=17)[1:17]
    return tuple(bits.tolist()), tuple(symbols.tolist())


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _dht(table_class: int, table_id: int, table) -> bytes:
    bits, huffval = table
    return _segment(0xC4, bytes([(table_class << 4) | table_id]) + bytes(bits) + bytes(huffval))


# libjpeg's default progression (jcparam.c, jpeg_simple_progression): (components, Ss, Se, Ah, Al).
# DC first at half precision; a quick low band of luma; chroma whole; the rest of luma; then
# the last bits, luma's largest scan last.
PROGRESSION_COLOUR = (((0, 1, 2), 0, 0, 0, 1), ((0,), 1, 5, 0, 2), ((2,), 1, 63, 0, 1), ((1,), 1, 63, 0, 1),
                      ((0,), 6, 63, 0, 2), ((0,), 1, 63, 2, 1), ((0, 1, 2), 0, 0, 1, 0), ((2,), 1, 63, 1, 0),
                      ((1,), 1, 63, 1, 0), ((0,), 1, 63, 1, 0))
PROGRESSION_GRAY = (((0,), 0, 0, 0, 1), ((0,), 1, 5, 0, 2), ((0,), 6, 63, 0, 2), ((0,), 1, 63, 2, 1),
                    ((0,), 0, 0, 1, 0), ((0,), 1, 63, 1, 0))


def encode(image, *, quality: int = 75, subsampling: str = "4:2:0", optimize: bool = False,
           restart_interval: int = 0, interleave: bool = True, progressive: bool = False,
           optimize_scans: bool = False, trellis: bool = False, threads: int | None = None) -> bytes:
    """Encode an HxWx3 RGB or HxW grayscale uint8 image as a JFIF JPEG (baseline, or progressive).

    ``quality`` 1-100 scales the Annex K tables as libjpeg does; ``subsampling`` applies to
    colour images; ``optimize`` builds Huffman tables for this image (two passes);
    ``restart_interval`` (0-65535 MCUs) inserts RSTn markers; ``interleave=False`` writes
    one scan per component (baseline allows it; the file is the same size or so).
    ``progressive`` writes a progressive file (SOF2) with libjpeg's default scan script and
    Huffman tables made for each scan (as libjpeg does: ``optimize`` is implied);
    ``optimize_scans`` (with ``progressive``) tries, for each component, other splits of its
    AC coefficients into bands and bits and keeps the one that codes smallest, and the DC with
    or without a refinement (mozjpeg's idea; ~1 % smaller, ~3 % with ``trellis``; three times
    the coding). ``trellis`` chooses each block's AC values for the fewest bits at little
    error, as mozjpeg does (``optimize`` implied; smaller files at the same PSNR, slower).
    ``threads``: how many threads transform and code pieces of the scan
    (``fastzip.get_threads()`` when None, one per 768 blocks at most; one when
    ``restart_interval`` is set); the bytes are the same for any number.
    """
    img = _validate(image, subsampling, restart_interval)
    if optimize_scans and not progressive:
        raise ValueError("optimize_scans chooses a progressive file's scans: it needs progressive=True")
    height, width = img.shape[:2]
    gray = img.ndim == 2
    hmax, vmax = (1, 1) if gray else SUBSAMPLING[subsampling]
    sampling = [(hmax, vmax)] + [(1, 1)] * (0 if gray else 2)
    mcus_x, mcus_y = -(-width // (8 * hmax)), -(-height // (8 * vmax))
    tables = _quality_tables(int(quality))
    padded = (mcus_y * 8 * vmax, mcus_x * 8 * hmax)
    if trellis or progressive:  # step by step: whole components' blocks
        workers = resolve(threads, cap=mcus_y * mcus_x * (hmax * vmax + 2) // _BLOCKS_PER_THREAD)
        comp_blocks = (trellis_blocks if trellis else component_blocks)(img, hmax, vmax, *padded, tables, workers)
        if progressive:
            return _encode_progressive(comp_blocks, height, width, sampling, mcus_x, mcus_y, int(quality),
                                       restart_interval, workers=workers, optimize_scans=optimize_scans)
        scans = interleaved_scan(comp_blocks, sampling, mcus_x, mcus_y) if interleave or gray else \
            _component_scans(comp_blocks, sampling, height, width)
        return _sequential_file(scans, height, width, sampling, int(quality), True, restart_interval, 1, 1, None)

    fused = FusedScan(img, hmax, vmax, mcus_y, mcus_x, tables, threads) if interleave or gray else None
    workers = fused.workers if fused is not None else \
        resolve(threads, cap=mcus_y * mcus_x * (hmax * vmax + 2) // _BLOCKS_PER_THREAD)
    workers = workers if _pipeline.PIPELINE else 1
    # Pieces of a scan are coded apart and joined bit by bit; a restart marker's padding would
    # depend on where the piece before ended, so restart intervals are coded in one piece.
    coders = 1 if restart_interval else workers
    # Rows made and coded at once, unless the Huffman tables need every block counted first.
    in_one_pass = fused is not None and not optimize and not restart_interval and _pipeline.PIPELINE
    if fused is None:
        scans = _component_scans(component_blocks(img, hmax, vmax, *padded, tables), sampling, height, width)
    else:
        scans = [fused.unmade if in_one_pass else fused.fill()]
    return _sequential_file(scans, height, width, sampling, int(quality), optimize, restart_interval, workers,
                            coders, fused if in_one_pass else None)


def _sequential_file(scans, height, width, sampling, quality: int, optimize: bool, restart_interval: int,
                     workers: int, coders: int, pipeline) -> bytes:
    """A sequential file of ``scans``: Huffman tables (counted on ``workers`` threads), the
    scans coded on ``coders`` (``pipeline`` makes a scan listed without blocks), the headers."""
    luma, chroma = _huffman_tables(scans, len(sampling), optimize, restart_interval, workers)
    coded = _entropy_code(scans, [luma] + [chroma] * (len(sampling) - 1), restart_interval, coders, pipeline)
    return _headers(height, width, sampling, quality, luma, chroma, restart_interval) + coded + b"\xff\xd9"


def _validate(image, subsampling: str, restart_interval: int) -> np.ndarray:
    """The image as a C-contiguous HxW or HxWx3 uint8 array; ValueError for anything else."""
    img = np.asarray(image)
    if img.dtype != np.uint8:
        raise ValueError(f"image must be uint8, not {img.dtype}")
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if not (img.ndim == 2 or (img.ndim == 3 and img.shape[2] == 3)):
        raise ValueError(f"image must be HxW or HxWx3, not {img.shape}")
    height, width = img.shape[:2]
    if not (1 <= height <= 65535 and 1 <= width <= 65535):
        raise ValueError(f"JPEG sizes are 1..65535 pixels, not {height}x{width}")
    if subsampling not in SUBSAMPLING:
        raise ValueError(f"subsampling must be one of {list(SUBSAMPLING)}, not {subsampling!r}")
    if not 0 <= restart_interval <= 65535:
        raise ValueError("restart_interval must be 0..65535")
    return np.ascontiguousarray(img)


def _huffman_tables(scans, ncomp: int, optimize: bool, restart_interval: int, workers: int):
    """(DC, AC) BITS/HUFFVAL for luminance and for chrominance (None for gray): the Annex K
    tables, or with ``optimize`` tables counted from the scans' symbols."""
    if not optimize:
        return (STD_DC_LUMINANCE, STD_AC_LUMINANCE), (STD_DC_CHROMINANCE, STD_AC_CHROMINANCE)
    dc_freq, ac_freq = _count_symbols(scans, ncomp, restart_interval, workers)
    luma = (_huffman_from_counts(dc_freq[0]), _huffman_from_counts(ac_freq[0]))
    chroma = (_huffman_from_counts(dc_freq[1:].sum(0)), _huffman_from_counts(ac_freq[1:].sum(0))) if ncomp > 1 else None
    return luma, chroma


def _entropy_code(scans, huff, restart_interval: int, workers: int, pipeline) -> bytes:
    """Every scan as SOS segment + entropy-coded data, in pieces on ``workers`` threads. A
    scan listed without blocks is made by ``pipeline`` (its :class:`FusedScan`) as it is coded."""
    ncomp = len(huff)
    dc_codes = np.zeros((ncomp, 16), np.uint16)
    dc_sizes = np.zeros((ncomp, 16), np.uint8)
    ac_codes = np.zeros((ncomp, 256), np.uint16)
    ac_sizes = np.zeros((ncomp, 256), np.uint8)
    for k, (dc_table, ac_table) in enumerate(huff):
        dc_codes[k], dc_sizes[k] = _codes(*dc_table, size=16)
        ac_codes[k], ac_sizes[k] = _codes(*ac_table)
    tables = (dc_codes, dc_sizes, ac_codes, ac_sizes)
    coded = []
    for blocks, comp, per_mcu, members in scans:
        # 64 bytes a block covers all but extreme images cheaply; then the true worst case
        # (every coefficient at its longest code, every byte stuffed) is tried.
        for per_block in (64, 440):
            if blocks is None:  # made as they are coded
                written, out = pipeline.code_in_pieces(tables, per_block)
            elif workers > 1:
                written, out = _code_made_blocks_in_pieces(blocks, comp, per_mcu, tables, workers, per_block)
            else:
                out = np.empty(len(comp) * per_block + 1024, np.uint8)
                written = _entropy.encode_scan(blocks, comp, per_mcu, restart_interval, dc_codes, dc_sizes,
                                               ac_codes, ac_sizes, out)
            if written != _entropy.OUTPUT_FULL:
                break
        if written < 0:
            raise RuntimeError(f"entropy coder: {_entropy.ENCODE_ERRORS[written]} (a fastzip bug)")
        coded.append(_sos(members, 0, 63, 0, 0) + out[:written].tobytes())
    return b"".join(coded)


def _encode_progressive(comp_blocks, height, width, sampling, mcus_x, mcus_y, quality: int, restart_interval: int,
                        script=None, workers: int = 1, optimize_scans: bool = False) -> bytes:
    """The progressive file of ``comp_blocks`` (:func:`component_blocks`): every component's
    blocks (on the MCU grid) in one buffer, then each scan of ``script`` (libjpeg's by
    default; (components, Ss, Se, Ah, Al) each) counted, given its own Huffman tables (DHT
    before its SOS) and coded. Scans only read the blocks: ``workers`` threads take them in
    turn, each with its own output buffer (reused from scan to scan: fresh pages per scan cost
    page faults). ``optimize_scans``: the script is chosen by :func:`_smallest_script`."""
    hmax, vmax = sampling[0]
    layout, parts, start = [], [], 0
    for (h, v), blocks in zip(sampling, comp_blocks):
        rows, cols = mcus_y * v, mcus_x * h
        parts.append(blocks[:rows, :cols].reshape(-1, 64))
        layout.append((start, cols))
        start += rows * cols
    buffer = np.ascontiguousarray(np.concatenate(parts))
    buffers = threading.local()

    def code_all(scans) -> dict:
        """{scan: its DHT, SOS and data}, coded on ``workers`` threads."""
        coded = [b""] * len(scans)

        def code(first, end):
            for k in range(first, end):
                coded[k] = _progressive_scan(buffer, layout, sampling, height, width, mcus_x, mcus_y,
                                             restart_interval, *scans[k], buffers)

        split_rows(code, len(scans), min(workers, len(scans)), pieces_per_worker=len(scans))
        return dict(zip(scans, coded))

    if optimize_scans:
        script, coded = _smallest_script(len(sampling), code_all)
    else:
        script = script or (PROGRESSION_COLOUR if len(sampling) == 3 else PROGRESSION_GRAY)
        coded = code_all(list(script))
    return (_headers(height, width, sampling, quality, None, None, restart_interval, progressive=True)
            + b"".join(coded[scan] for scan in script) + b"\xff\xd9")


def _ac_choices(k: int) -> list[list[tuple]]:
    """Ways to send component ``k``'s AC coefficients: whole, or cut into two bands at 2, 5, 8,
    12 or 18; or their top bits first (one or two bits held back; whole or cut at 5 or 8) and
    the held-back bits in refinement scans."""
    c = (k,)
    choices = [[(c, 1, 63, 0, 0)]] + [[(c, 1, f, 0, 0), (c, f + 1, 63, 0, 0)] for f in (2, 5, 8, 12, 18)]
    for al in (1, 2):
        refine = [(c, 1, 63, a, a - 1) for a in range(al, 0, -1)]
        for f in (None, 5, 8):
            first = [(c, 1, 63, 0, al)] if f is None else [(c, 1, f, 0, al), (c, f + 1, 63, 0, al)]
            choices.append(first + refine)
    return choices


def _smallest_script(ncomp: int, code_all) -> tuple[tuple, dict]:
    """A scan script made of the smallest choice for each part: the DC (one scan, or its top
    bits then a refinement) and each component's AC (:func:`_ac_choices`), each part's size
    the sum of its scans as coded (``code_all``: each distinct scan once, its bytes kept for
    the file). First scans come before refinements; within a component the choice's order."""
    members = tuple(range(ncomp))
    parts = [[[(members, 0, 0, 0, 0)], [(members, 0, 0, 0, 1), (members, 0, 0, 1, 0)]]]
    parts += [_ac_choices(k) for k in range(ncomp)]
    coded = code_all(list(dict.fromkeys(scan for choices in parts for choice in choices for scan in choice)))
    script = [scan for choices in parts for scan in min(choices, key=lambda c: sum(len(coded[s]) for s in c))]
    return tuple(sorted(script, key=lambda scan: scan[3] > 0)), coded


def _progressive_scan(buffer, layout, sampling, height, width, mcus_x, mcus_y, restart_interval, members, ss, se,
                      ah, al, buffers) -> bytes:
    """One scan of a progressive file: its DHT (tables counted for it), SOS and coded data.
    ``buffers.out``: this thread's output buffer, grown as needed."""
    hmax, vmax = sampling[0]
    if len(members) == 1:  # one component: its own block grid
        h, v = sampling[members[0]]
        sx, sy = -(-(-(-width * h // hmax)) // 8), -(-(-(-height * v // vmax)) // 8)
        hs = vs = np.ones(1, np.int32)
    else:
        sx, sy = mcus_x, mcus_y
        hs = np.array([sampling[k][0] for k in members], np.int32)
        vs = np.array([sampling[k][1] for k in members], np.int32)
    offset = np.array([layout[k][0] for k in members], np.int32)
    stride = np.array([layout[k][1] for k in members], np.int32)
    table = np.array([min(k, 1) for k in members], np.int32)  # table ids: 0 luma, 1 chroma
    scan = (buffer, sx, sy, hs, vs, offset, stride, table, ss, se, ah, al, restart_interval)
    segments = b""
    code = np.zeros((2, 256), np.uint16)
    size = np.zeros((2, 256), np.uint8)
    if not (ss == 0 and ah):  # DC refinement sends bare bits
        freq = np.zeros((2, 256), np.int64)
        _entropy.encode_progressive_scan(*scan, None, None, freq, np.empty(1, np.uint8))
        for t in sorted(set(table.tolist())):
            counts = freq[t, :16] if ss == 0 else freq[t]
            if not counts.any():
                counts = counts.copy()
                counts[0] = 1
            huff = _huffman_from_counts(counts)
            segments += _dht(0 if ss == 0 else 1, t, huff)
            if ss == 0:
                code[t, :16], size[t, :16] = codes_from_table(*huff, size=16)
            else:
                code[t], size[t] = codes_from_table(*huff)
    out = getattr(buffers, "out", np.empty(0, np.uint8))
    for per_block in (64, 440):
        need = int(sx) * int(sy) * int((hs * vs).sum()) * per_block + 8192
        if len(out) < need:
            out = buffers.out = np.empty(need, np.uint8)
        written = _entropy.encode_progressive_scan(*scan, code, size, None, out)
        if written != _entropy.OUTPUT_FULL:
            break
    if written < 0:
        raise RuntimeError(f"progressive coder: {_entropy.ENCODE_ERRORS[written]} (a fastzip bug)")
    return segments + _sos(members, ss, se, ah, al) + out[:written].tobytes()


def _sos(members, ss: int, se: int, ah: int, al: int) -> bytes:
    """The SOS segment of a scan of ``members`` (component indices; ids are index + 1, luma
    takes tables 0, chroma tables 1) over band ``ss..se`` at bits ``ah``/``al``."""
    sos = bytes([len(members)])
    for k in members:
        t = min(k, 1)
        sos += bytes([k + 1, (t << 4) | t])
    return _segment(0xDA, sos + bytes([ss, se, (ah << 4) | al]))


def _headers(height, width, sampling, quality, luma, chroma, restart_interval, progressive: bool = False) -> bytes:
    """SOI, JFIF APP0, DQT, SOF0 (or SOF2), DHT (not progressive: its tables come with each
    scan) and DRI: everything before the first scan."""
    ncomp = len(sampling)
    header = [b"\xff\xd8", _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")]
    for k in range(min(ncomp, 2)):
        header.append(_dqt(quality, k))
    frame = struct.pack(">BHHB", 8, height, width, ncomp)
    for k, (h, v) in enumerate(sampling):
        frame += bytes([k + 1, (h << 4) | v, min(k, 1)])
    header.append(_segment(0xC2 if progressive else 0xC0, frame))
    if not progressive:
        header.append(_dht(0, 0, luma[0]) + _dht(1, 0, luma[1]))
    if ncomp > 1 and not progressive:
        header.append(_dht(0, 1, chroma[0]) + _dht(1, 1, chroma[1]))
    if restart_interval:
        header.append(_segment(0xDD, struct.pack(">H", restart_interval)))
    return b"".join(header)


def interleaved_scan(comp_blocks, sampling, mcus_x, mcus_y):
    """One scan of all components: MCU by MCU, each component's h x v blocks in raster order.
    The step-by-step twin of :class:`FusedScan` (tests hold them equal)."""
    order = []
    for k, (h, v) in enumerate(sampling):
        grid = comp_blocks[k][:mcus_y * v, :mcus_x * h].reshape(mcus_y, v, mcus_x, h, 64)
        order.append(grid.transpose(0, 2, 1, 3, 4).reshape(mcus_y, mcus_x, v * h, 64))
    blocks = np.concatenate(order, axis=2).reshape(-1, 64)
    comp = np.tile(np.repeat(np.arange(len(sampling), dtype=np.uint8), [h * v for h, v in sampling]),
                   mcus_y * mcus_x)
    return [(blocks, comp, sum(h * v for h, v in sampling), list(range(len(sampling))))]


def _component_scans(comp_blocks, sampling, height, width):
    """One scan per component: its own block grid (ceil(size / 8) blocks each way), one block per MCU."""
    hmax = max(h for h, _ in sampling)
    vmax = max(v for _, v in sampling)
    scans = []
    for k, (h, v) in enumerate(sampling):
        rows = -(-(-(-height * v // vmax)) // 8)
        cols = -(-(-(-width * h // hmax)) // 8)
        blocks = np.ascontiguousarray(comp_blocks[k][:rows, :cols].reshape(-1, 64))
        scans.append((blocks, np.full(len(blocks), k, np.uint8), 1, [k]))
    return scans
