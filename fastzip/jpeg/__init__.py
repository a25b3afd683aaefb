"""JPEG (ITU T.81, JFIF): an encoder whose files Pillow (libjpeg-turbo) opens and a decoder of
baseline and progressive files within a rounding of Pillow's pixels.

- :func:`encode` (:mod:`.encoder`): HxWx3 RGB or HxW grayscale uint8 -> JFIF bytes, baseline
  or progressive;
- :func:`decode` (:mod:`.decoder`): JPEG bytes -> pixels (``out=`` a buffer of yours,
  ``scale=`` 1/2 to 1/8 through :mod:`.scaled`, lenient with damage as libjpeg unless
  ``strict``); :func:`decode_many` a batch on several threads; :func:`read_header` reads the
  markers up to the first scan only;
- :mod:`.tables`: the standard Huffman tables of Annex K.

Quantization tables, zigzag order and the DCT come from :mod:`fastzip.dct`.
"""

from .decoder import MAX_IMAGE_PIXELS, Header, decode, decode_many, read_header
from .encoder import SUBSAMPLING, encode

__all__ = ["encode", "decode", "decode_many", "read_header", "Header", "SUBSAMPLING", "MAX_IMAGE_PIXELS"]
