"""Hand-made DEFLATE bit streams for the hostile-input tests, and a plain reader of valid ones
(``read_blocks``) for tests of what an encoder chose."""


class Bits:
    """An LSB-first bit writer; Huffman codes go in with :meth:`code` (most significant bit first).
    Bits gather as text, in the order they are sent, so a long stream costs linear time."""

    def __init__(self):
        self.sent = []

    def put(self, value: int, nbits: int) -> "Bits":
        if nbits:
            self.sent.append(format(value & ((1 << nbits) - 1), f"0{nbits}b")[::-1])
        return self

    def code(self, code: int, nbits: int) -> "Bits":
        self.sent.append(format(code, f"0{nbits}b"))
        return self

    def bytes(self) -> bytes:
        text = "".join(self.sent)
        text += "0" * (-len(text) % 8)
        return int(text[::-1], 2).to_bytes(len(text) // 8, "little") if text else b""


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
    b = Bits().put(1 if final else 0, 1).put(2, 2).put(hlit - 257, 5).put(hdist - 1, 5).put(19 - 4, 4)
    for sym in CODELEN_ORDER:
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


LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
               163, 195, 227, 258]
LENGTH_EXTRA = [0] * 8 + [1] * 4 + [2] * 4 + [3] * 4 + [4] * 4 + [5] * 4 + [0]
DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049,
             3073, 4097, 6145, 8193, 12289, 16385, 24577]
DIST_EXTRA = [0, 0] + [i // 2 - 1 for i in range(2, 30)]
CODELEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def bits(self, n: int) -> int:
        value = 0
        for i in range(n):
            value |= ((self.data[self.pos >> 3] >> (self.pos & 7)) & 1) << i
            self.pos += 1
        return value

    def symbol(self, table: dict) -> int:
        code = length = 0
        while (length, code) not in table:
            code = (code << 1) | self.bits(1)
            length += 1
        return table[(length, code)]


def _decoding_table(lengths) -> dict:
    return {(n, code): s for s, (n, code) in enumerate(zip(lengths, canonical(lengths))) if n}


def read_blocks(stream: bytes) -> list:
    """The blocks of a raw DEFLATE stream, for tests of what an encoder chose: each a dict of
    its ``type`` (0 stored, 1 fixed, 2 dynamic), ``litlen`` and ``dist`` code lengths and its
    ``tokens`` (a literal byte, or a (length, distance) match). A plain reader for valid streams."""
    r, blocks = _Reader(stream), []
    while True:
        final, kind = r.bits(1), r.bits(2)
        block = {"type": kind, "tokens": [], "litlen": [], "dist": []}
        blocks.append(block)
        if kind == 0:
            r.pos = (r.pos + 7) & ~7
            size = r.bits(16)
            r.bits(16)
            block["tokens"] = list(stream[r.pos >> 3:(r.pos >> 3) + size])
            r.pos += 8 * size
        else:
            if kind == 1:
                litlen, dist = [8] * 144 + [9] * 112 + [7] * 24 + [8] * 8, [5] * 30
            else:
                hlit, hdist, hclen = r.bits(5) + 257, r.bits(5) + 1, r.bits(4) + 4
                cl = [0] * 19
                for i in range(hclen):
                    cl[CODELEN_ORDER[i]] = r.bits(3)
                table, lengths = _decoding_table(cl), []
                while len(lengths) < hlit + hdist:
                    s = r.symbol(table)
                    if s < 16:
                        lengths.append(s)
                    elif s == 16:
                        lengths += [lengths[-1]] * (3 + r.bits(2))
                    else:
                        lengths += [0] * (3 + r.bits(3) if s == 17 else 11 + r.bits(7))
                litlen, dist = lengths[:hlit], lengths[hlit:]
            block["litlen"], block["dist"] = litlen, dist
            lit_table, dist_table = _decoding_table(litlen), _decoding_table(dist)
            while (s := r.symbol(lit_table)) != 256:
                if s < 256:
                    block["tokens"].append(s)
                    continue
                length = LENGTH_BASE[s - 257] + r.bits(LENGTH_EXTRA[s - 257])
                d = r.symbol(dist_table)
                block["tokens"].append((length, DIST_BASE[d] + r.bits(DIST_EXTRA[d])))
        if final:
            return blocks
