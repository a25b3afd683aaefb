"""The native DEFLATE engines as both the whole-buffer functions and the streaming classes use
them: the level table, the output bound, the caller's output limit, which inflate kernel this
CPU runs and its error words, and compression in pieces on several threads."""

from __future__ import annotations

import sys

from .._native import inflate as _portable
from .._native.deflate import BLOCK_MIN_TOKENS, OUTPUT_FULL, PARSE_SPAN, Deflater
from .._native.deflate import STRATEGIES as _PARSES
from .._parallel import split_rows
from ..errors import FormatError

__all__ = ["LEVELS", "STRATEGIES", "strategy_name", "new_deflater", "compressed_bound", "output_limit",
           "inflate_error", "deflate_pieces", "WINDOW", "PIECE", "Inflater", "INFLATE_KERNEL", "STATUS_DONE",
           "STATUS_NEED_INPUT", "STATUS_NEED_OUTPUT", "inflate_plain", "inflate_plain_into", "FRAMING",
           "STATUS_NOT_PLAIN"]


def _inflate_kernels() -> dict:
    """The inflate builds this CPU runs, best first: the BMI2 build where the CPU has BMI2
    and the wheel has that build, and the portable one everywhere."""
    kernels = {}
    if _portable.BMI2_RUNS_HERE:
        try:
            from .._native import inflate_bmi2
            kernels["bmi2"] = inflate_bmi2
        except ImportError:  # a build for another CPU family, or without the variant
            pass
    kernels["portable"] = _portable
    return kernels


INFLATE_KERNELS = _inflate_kernels()
INFLATE_KERNEL = next(iter(INFLATE_KERNELS))
Inflater = INFLATE_KERNELS[INFLATE_KERNEL].Inflater
inflate_plain = INFLATE_KERNELS[INFLATE_KERNEL].inflate_plain
inflate_plain_into = INFLATE_KERNELS[INFLATE_KERNEL].inflate_plain_into
STATUS_DONE, STATUS_NEED_INPUT, STATUS_NEED_OUTPUT = _portable.STATUS_DONE, _portable.STATUS_NEED_INPUT, _portable.STATUS_NEED_OUTPUT
STATUS_NOT_PLAIN = _portable.NOT_PLAIN
FRAMING = {name: code for code, name in enumerate(_portable.FRAMINGS)}  # the native sides' framing codes
ERRORS = _portable.ERRORS

WINDOW = 32768  # how far back DEFLATE's matches reach
PIECE = 1 << 20  # input per piece when compressing on several threads
MAX_NICE = 258  # (a parse without a search takes it as its nice length)

# level: (strategy, depth, nice, passes). Level 1 is greedy over the latest position of each
# 4-byte and of each 8-byte hash (one candidate each: no search to bound); 2 greedy, 3-7 lazy,
# 8-9 lazy with two positions of look-ahead, over chains of 4-byte hashes searched ``depth``
# deep (match_finders.pxd); 10-12 parse near-optimally (cost-model passes over the matches met
# within ``depth`` steps down binary trees). ``nice``: a match this long ends the
# search. Levels 4-9 are no larger than zlib's of the same number on text, code and pixels, at
# 1.5-3.4x its speed; 1-3 are smaller than zlib's on text and code (by 4-10 %), but on raw
# pixels, whose repeats are often 3 bytes long, 2-3 are up to 0.8 % larger and 1 (which looks
# for 4-byte matches only) 3.4 %: the price of searching 4-byte hashes, as libdeflate's levels
# pay it too. Level 5 ends its search at 96 bytes (was 48): text 0.04 %, code 0.09 %, licence
# texts 0.6 % smaller, within 0.5 % of the speed, and now no larger than libdeflate -6 on text
# and code. Level 12 stops at three cost-model passes: a fourth moved its size by under
# 0.01 % on text, code and pixels and took a sixth of its time.
STORE, FAST, GREEDY, LAZY, LAZY2, OPTIMAL, HUFFMAN_ONLY, RLE = (
    _PARSES[k] for k in ("store", "fast", "greedy", "lazy", "lazy2", "optimal", "huffman_only", "rle"))
LEVELS = {
    0: (STORE, 0, 0, 0),
    1: (FAST, 0, MAX_NICE, 0),
    2: (GREEDY, 8, 24, 0),
    3: (LAZY, 6, 16, 0),
    4: (LAZY, 12, 24, 0),
    5: (LAZY, 24, 96, 0),
    6: (LAZY, 64, 128, 0),
    7: (LAZY, 100, 130, 0),
    8: (LAZY2, 300, 258, 0),
    9: (LAZY2, 500, 258, 0),
    10: (OPTIMAL, 24, 64, 2),
    11: (OPTIMAL, 48, 128, 3),
    12: (OPTIMAL, 128, 258, 3),
}


# zlib's strategies (``compressobj``'s ``strategy``), by name or by zlib's number (zlib.Z_RLE ...).
# "filtered": levels 4-9 take no match shorter than 6 bytes, as zlib's (lazy) levels 4-9 drop
# those of 5 or fewer; other levels parse as without it, as zlib's 1-3 do; "huffman_only":
# literals only; "rle": literals and runs of one byte (matches one byte back), whatever the
# level; "fixed": the level's parse, each block fixed or stored, never dynamic codes (short
# matches then weighed by the fixed code's costs). Level 0 stores, whatever the strategy (as
# zlib's).
STRATEGIES = ("default", "filtered", "huffman_only", "rle", "fixed")
FILTERED_SHORTEST = 6


def strategy_name(strategy) -> str:
    """A strategy's name, given its name or zlib's number for it."""
    if isinstance(strategy, str) and strategy in STRATEGIES:
        return strategy
    if isinstance(strategy, int) and not isinstance(strategy, bool) and 0 <= strategy < len(STRATEGIES):
        return STRATEGIES[strategy]  # (zlib's Z_DEFAULT_STRATEGY .. Z_FIXED are 0..4, in this order)
    raise ValueError(f"strategy must be one of {STRATEGIES} or zlib's Z_* number for one, not {strategy!r}")


def new_deflater(level: int, strategy="default") -> Deflater:
    if level not in LEVELS:
        raise ValueError(f"level must be 0..12, not {level!r}")
    strategy = strategy_name(strategy)
    if level == 0 or strategy == "default":
        return Deflater(*LEVELS[level])
    if strategy in ("huffman_only", "rle"):
        return Deflater(HUFFMAN_ONLY if strategy == "huffman_only" else RLE, 0, MAX_NICE, 0)
    filtered = strategy == "filtered" and 4 <= level <= 9
    return Deflater(*LEVELS[level], shortest=FILTERED_SHORTEST if filtered else 0, fixed_only=strategy == "fixed")


def compressed_bound(size: int, segments: int = 1) -> int:
    """Most bytes a raw DEFLATE stream of ``size`` input bytes can take: every block stored."""
    blocks = size // BLOCK_MIN_TOKENS + 2 * (segments + size // PARSE_SPAN)
    return size + 5 * (size // 65535 + blocks) + 16


MAX_RATIO = _portable.MAX_RATIO  # DEFLATE's largest expansion (1032:1)


def plausible_size(hint: int, compressed: int) -> int:
    """An output size hint no larger than ``compressed`` bytes can decode to (0: none)."""
    return max(0, min(hint, MAX_RATIO * compressed + 64))


def output_limit(max_output_size) -> int:
    if max_output_size is None:
        return sys.maxsize
    if max_output_size < 0:
        raise ValueError("max_output_size must be non-negative")
    return max_output_size


def inflate_error(status: int) -> FormatError:
    """The error for one of the inflater's negative statuses, in its own words."""
    return FormatError(f"invalid DEFLATE data: {ERRORS[status]}")


def bound_exceeded() -> RuntimeError:
    return RuntimeError("compressed_bound was too small for the deflater's output (a fastzip bug)")


def deflate_pieces(view, start: int, level: int, final: bool, workers: int, checksum=None, *, piece: int = PIECE,
                   history: bool = True, strategy="default") -> tuple[list, list]:
    """Raw DEFLATE of ``view[start:]`` in ``piece``-sized pieces compressed on ``workers`` threads,
    each by its own deflater with the 32 KiB before it (``view[:start]`` included) as history
    (none when not ``history``: each piece then decodes alone) and ending on a byte boundary (an
    empty stored block, zlib's sync flush; the last piece instead ends the stream when ``final``),
    so that joined they make one stream (pigz's method). Returns the pieces' outputs and, given
    ``checksum(piece)``, each piece's checksum."""
    new_deflater(level, strategy)  # checks both before any thread starts
    size = piece
    starts = list(range(start, len(view), size)) or [start]
    outputs, sums = [None] * len(starts), [None] * len(starts)

    def compress(first, end):
        for i in range(first, end):
            begin, stop = starts[i], min(starts[i] + size, len(view))
            first_byte = max(0, begin - WINDOW) if history else begin
            out = bytearray(compressed_bound(stop - begin) + 8)
            last = final and i == len(starts) - 1
            written = new_deflater(level, strategy).compress(view[first_byte:stop], begin - first_byte, last, out,
                                                            sync=not last)
            if written == OUTPUT_FULL:
                raise bound_exceeded()
            del out[written:]
            outputs[i] = out
            if checksum is not None:
                sums[i] = checksum(view[begin:stop])

    split_rows(compress, len(starts), workers, pieces_per_worker=len(starts))
    return outputs, sums
