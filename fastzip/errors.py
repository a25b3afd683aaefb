"""The exceptions every fastzip decoder raises.

All of them derive from :class:`FastzipError`, itself a :class:`ValueError`, so that
``except ValueError`` in a user's pipeline keeps working and ``except FastzipError``
catches exactly what fastzip rejects.
"""

__all__ = ["FastzipError", "FormatError", "ChecksumError", "OutputLimitError", "UnsupportedError",
           "DictionaryError", "CorruptDataWarning"]


class FastzipError(ValueError):
    """Base class of every error fastzip raises for bad input."""


class FormatError(FastzipError):
    """The data is not a valid stream of the expected format (truncated, corrupt or foreign)."""


class ChecksumError(FormatError):
    """The data decoded, but its stored checksum does not match what was decoded."""


class OutputLimitError(FastzipError):
    """Decoding would produce more than the caller's ``max_output_size``."""


class UnsupportedError(FastzipError):
    """The data is valid in its format but uses a feature fastzip does not implement."""


class DictionaryError(FastzipError):
    """The stream was made with a preset dictionary (zlib's FDICT) that was not given, or a
    different one was: give the same bytes as ``zdict``."""


class CorruptDataWarning(UserWarning):
    """The data was damaged, and was decoded anyway the way the format's reference decoder does
    (libjpeg for JPEG); ``strict=True`` raises a :class:`FormatError` instead."""
