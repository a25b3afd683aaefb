"""fastzip: compression codecs with native kernels and readable pure-Python reference twins.

Codecs live in their own modules (``fastzip.huffman`` …); this package root exports the
errors every decoder raises. Importing fastzip never imports torch.
"""

from .errors import ChecksumError, FastzipError, FormatError, OutputLimitError, UnsupportedError

__version__ = "0.1.0"

__all__ = ["FastzipError", "FormatError", "ChecksumError", "OutputLimitError", "UnsupportedError", "__version__"]
