"""Hand-made DEFLATE bit streams for the hostile-input tests."""


class Bits:
    """An LSB-first bit writer; Huffman codes go in with :meth:`code` (most significant bit first)."""

    def __init__(self):
        self.value = 0
        self.n = 0

    def put(self, value: int, nbits: int) -> "Bits":
        self.value |= (value & ((1 << nbits) - 1)) << self.n
        self.n += nbits
        return self

    def code(self, code: int, nbits: int) -> "Bits":
        for i in range(nbits - 1, -1, -1):
            self.put((code >> i) & 1, 1)
        return self

    def bytes(self) -> bytes:
        return self.value.to_bytes((self.n + 7) // 8, "little")


def fixed_literal_code(sym: int) -> tuple[int, int]:
    """RFC 1951 §3.2.6 fixed literal/length code of ``sym``: (code, bits)."""
    if sym < 144:
        return 0x30 + sym, 8
    if sym < 256:
        return 0x190 + sym - 144, 9
    if sym < 280:
        return sym - 256, 7
    return 0xC0 + sym - 280, 8


def fixed_block(symbols, final=True) -> Bits:
    """A fixed-Huffman block of (litlen symbol, extra value, extra bits, dist symbol, ...) items.

    Each item is a literal/length symbol, or a tuple (length_sym, len_extra, len_bits, dist_sym,
    dist_extra, dist_bits).
    """
    b = Bits().put(1 if final else 0, 1).put(1, 2)
    for item in symbols:
        if isinstance(item, int):
            b.code(*fixed_literal_code(item))
        else:
            lsym, lext, lbits, dsym, dext, dbits = item
            b.code(*fixed_literal_code(lsym)).put(lext, lbits).code(dsym, 5).put(dext, dbits)
    return b


def dynamic_header(litlen_lengths, dist_lengths, cl_lengths=None, final=True) -> Bits:
    """A dynamic block header sending every length with the code-length code verbatim (no repeats)."""
    hlit, hdist = len(litlen_lengths), len(dist_lengths)
    lengths = list(litlen_lengths) + list(dist_lengths)
    if cl_lengths is None:
        cl_lengths = [4] * 16 + [0, 0, 0]  # a complete code for 0..15: sixteen 4-bit codes
    order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    b = Bits().put(1 if final else 0, 1).put(2, 2).put(hlit - 257, 5).put(hdist - 1, 5).put(19 - 4, 4)
    for sym in order:
        b.put(cl_lengths[sym], 3)
    codes = canonical(cl_lengths)
    for n in lengths:
        b.code(codes[n], cl_lengths[n])
    return b


def canonical(lengths):
    codes, code, bl_count = [0] * len(lengths), 0, [0] * 17
    for n in lengths:
        if n:
            bl_count[n] += 1
    next_code = [0] * 17
    for bits in range(1, 17):
        code = (code + bl_count[bits - 1]) << 1
        next_code[bits] = code
    for s, n in enumerate(lengths):
        if n:
            codes[s] = next_code[n]
            next_code[n] += 1
    return codes
