"""The framings' checksums as their RFCs define them, a bit (CRC-32) or a byte (Adler-32) at a
time: the twins of ``_native/checksums.pyx``."""

from __future__ import annotations

CRC32_POLYNOMIAL = 0xEDB88320  # x^32 + x^26 + ... + 1, bit-reflected (RFC 1952 section 8)
ADLER_BASE = 65521  # the largest prime below 2**16 (RFC 1950 section 9)


def crc32(data: bytes, value: int = 0) -> int:
    """CRC-32 of ``data`` continuing from ``value``: the register starts inverted, each bit
    shifts out and, when it is 1, the polynomial is XORed in; the result is inverted again."""
    crc = value ^ 0xFFFFFFFF
    for byte in bytes(data):
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ CRC32_POLYNOMIAL if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def adler32(data: bytes, value: int = 1) -> int:
    """Adler-32 of ``data`` continuing from ``value``: s1 sums the bytes, s2 sums the s1s."""
    s1, s2 = value & 0xFFFF, value >> 16
    for byte in bytes(data):
        s1 = (s1 + byte) % ADLER_BASE
        s2 = (s2 + s1) % ADLER_BASE
    return (s2 << 16) | s1
