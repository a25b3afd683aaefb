"""The JPEG decoder's pixel steps as libjpeg defines them (jdsample.c, jdcolor.c): "fancy"
(triangular) chroma upsampling and fixed-point YCbCr -> RGB. One pixel at a time.

The twin of ``fastzip._native.jpeg_color``'s decoder half, which must match it exactly.
Planes are lists of rows of ints 0..255.
"""

from __future__ import annotations

__all__ = ["upsample", "ycbcr_to_rgb"]


def _fix(x: float) -> int:
    """libjpeg's FIX(): a constant in 16-bit fixed point."""
    return int(x * 65536 + 0.5)


def upsample(plane: list[list[int]], fx: int, fy: int) -> list[list[int]]:
    """Each sample spread over fx x fy outputs (1 or 2 each way). Along a doubled axis, an output
    takes 3/4 of its own sample and 1/4 of the neighbour on its side, the edge sample standing
    in for a missing neighbour. 2x2 blends columns first (weights 3 and 1, a sum of 16ths) and
    rounds once; libjpeg's rounding biases alternate so as not to drift (+1/+2 in quarters,
    +8/+7 in sixteenths)."""
    rows, cols = len(plane), len(plane[0])

    def at(y: int, x: int) -> int:
        return plane[min(max(y, 0), rows - 1)][min(max(x, 0), cols - 1)]

    out = []
    for oy in range(rows * fy):
        y, dy = oy // fy, (-1 if oy % 2 == 0 else 1)
        row = []
        for ox in range(cols * fx):
            x, dx = ox // fx, (-1 if ox % 2 == 0 else 1)
            if fx == 2 and fy == 2:
                own = 3 * at(y, x) + at(y + dy, x)
                side = 3 * at(y, x + dx) + at(y + dy, x + dx)
                row.append((3 * own + side + (8 if dx < 0 else 7)) >> 4)
            elif fx == 2:
                row.append((3 * at(y, x) + at(y, x + dx) + (1 if dx < 0 else 2)) >> 2)
            elif fy == 2:
                row.append((3 * at(y, x) + at(y + dy, x) + (1 if dy < 0 else 2)) >> 2)
            else:
                row.append(at(y, x))
        out.append(row)
    return out


def ycbcr_to_rgb(y: list[list[int]], cb: list[list[int]], cr: list[list[int]]) -> list[list[tuple[int, int, int]]]:
    """JFIF's full-range BT.601 inverse, each product rounded in 16-bit fixed point, then clamped:
    R = Y + 1.402 Cr', G = Y - 0.34414 Cb' - 0.71414 Cr', B = Y + 1.772 Cb' (Cb' = Cb - 128)."""
    def clamp(v: int) -> int:
        return min(max(v, 0), 255)

    out = []
    for row_y, row_cb, row_cr in zip(y, cb, cr):
        row = []
        for luma, b, r in zip(row_y, row_cb, row_cr):
            b, r = b - 128, r - 128
            row.append((clamp(luma + ((_fix(1.402) * r + 32768) >> 16)),
                        clamp(luma + ((-_fix(0.34414) * b - _fix(0.71414) * r + 32768) >> 16)),
                        clamp(luma + ((_fix(1.772) * b + 32768) >> 16))))
        out.append(row)
    return out
