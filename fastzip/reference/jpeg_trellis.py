"""Trellis quantization of one JPEG block, written to be read: the twin of
``_native/jpeg_trellis.pyx``.

Positions 1..63 in zigzag order. ``x[i]``: the coefficient in units of its quantizer step;
``weight[i]``: the squared step (what a unit of error costs in squared pixel error). Each AC
value is its rounded magnitude, one less, or zero (with x's sign); the cost of a block is its
squared error plus ``lam`` times the bits of its run/size codes, magnitude bits, ZRLs and EOB.
"""

from __future__ import annotations

UNCODED = 40.0  # bits for a symbol without a code: never worth it


def _bits(lengths, symbol: int) -> float:
    return lengths[symbol] if lengths[symbol] else UNCODED


def _round(v: float) -> int:
    return int(abs(v) + 0.5) * (1 if v >= 0 else -1)


def trellis_block(x, weight, ac_lengths, lam: float) -> list[int]:
    """The 64 quantized values (zigzag) minimising squared error + lam x bits."""
    zero_cost = [0.0] + [weight[i] * x[i] ** 2 for i in range(1, 64)]
    # best[i] = (cost, value, previous): the cheapest block prefix whose last non-zero value is at i
    best = {0: (0.0, 0, None)}
    for i in range(1, 64):
        magnitude = min(_round(x[i]) * (1 if x[i] >= 0 else -1), 1023)
        for value in (magnitude, magnitude - 1):
            if value < 1:
                continue
            size = value.bit_length()
            error = weight[i] * (abs(x[i]) - value) ** 2
            for j, (cost_j, _, _) in list(best.items()):
                if j >= i:
                    continue
                run = i - j - 1
                bits = (run // 16) * _bits(ac_lengths, 0xF0) + _bits(ac_lengths, (run % 16) << 4 | size) + size
                cost = cost_j + sum(zero_cost[j + 1:i]) + error + lam * bits
                if i not in best or cost < best[i][0]:
                    best[i] = (cost, value, j)
    # end after the last non-zero value: the zeros after it, and EOB unless it is at 63
    def total(j):
        return best[j][0] + sum(zero_cost[j + 1:]) + (lam * _bits(ac_lengths, 0x00) if j < 63 else 0.0)

    last = min(sorted(best), key=total)
    out = [0] * 64
    dc = _round(x[0])
    out[0] = max(-1024, min(1023, dc))
    while last:
        _, value, previous = best[last]
        out[last] = value if x[last] >= 0 else -value
        last = previous
    return out
