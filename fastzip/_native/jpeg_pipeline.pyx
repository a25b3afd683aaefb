# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""JPEG's two cores around its one sequential stage, the entropy coder.

Decoding (:class:`Reconstruction`): the scan decoder publishes each finished MCU row; workers on
both threads claim rows in order, inverse-transform them (jpeg_inverse.idct_rows) and, once a
row's neighbours are transformed too, upsample and colour it (jpeg_color.colour_rows). The
decoder's thread joins the workers when its scan is done.

Encoding (:class:`Encoding`): workers claim MCU rows and transform them
(jpeg_forward.forward_rows); the coding thread codes each row as soon as it is ready
(jpeg_entropy.code_blocks) and transforms rows itself whenever it would otherwise wait.

Every claim is a compare-and-swap on a shared counter (row_sync.pxd), so any number of workers
can share a job, and one worker alone finishes it: a caller whose helper thread is busy loses
only speed.

Decoding's ``sync`` (int64, ``ROWS + mcu_rows``): [DECODED] MCU rows decoded, [NEXT_IDCT] and
[NEXT_COLOUR] the next rows to claim, [ABORT] set when the scan failed, [ROWS + r] row r
transformed.
"""

import numpy as np

from libc.stdint cimport int16_t, int64_t, uint8_t, uint16_t

from .jpeg_color cimport Scratch, colour_rows, scratch_free, scratch_init
from .jpeg_entropy cimport ScanCoder, code_blocks, coder_finish, coder_init
from .jpeg_forward cimport forward_rows, transposed_tables
from .jpeg_inverse cimport idct_rows
from .row_sync cimport ROW_SYNC, backoff, claim, load, store

from .jpeg_entropy import check_coder_arguments
from .jpeg_forward import check_forward_arguments

PIPELINE = bool(ROW_SYNC)  # False: the compiler has no atomics here; decode in sequence

DEF DECODED = 0
DEF NEXT_IDCT = 1
DEF NEXT_COLOUR = 2
DEF ABORT = 3
DEF ROWS = 4


cdef class Reconstruction:
    """One scan's pixels. ``components``: per component (blocks (n, 64) int16 in natural order,
    grid width in blocks, block rows per MCU row, multiplier (64,) float32, plane (h, w) uint8,
    cropped). ``out`` (H, W, 3) uint8 with 3 components (Y full size, chroma sampled ``fx`` x
    ``fy``), or None with 1 component (its plane is the image). ``mcu_rows`` MCU rows of
    ``row_pixels`` output rows each."""
    cdef object arrays
    cdef int64_t[::1] sync_view
    cdef readonly object sync
    cdef int ncomp, fx, fy
    cdef Py_ssize_t mcu_rows, row_pixels, height, width
    cdef const int16_t* blocks[3]
    cdef const float* multiplier[3]
    cdef uint8_t* plane[3]
    cdef Py_ssize_t[3] cols
    cdef Py_ssize_t[3] rows_per_mcu
    cdef Py_ssize_t[3] plane_rows
    cdef Py_ssize_t[3] plane_cols
    cdef uint8_t* out

    def __init__(self, components, out, int fx, int fy, Py_ssize_t mcu_rows, Py_ssize_t row_pixels):
        cdef const int16_t[:, ::1] b
        cdef const float[::1] m
        cdef uint8_t[:, ::1] p
        cdef uint8_t[:, :, ::1] o
        cdef int k
        self.ncomp = len(components)
        if self.ncomp not in (1, 3) or mcu_rows < 1 or row_pixels < 1 or (fx, fy) not in ((1, 1), (2, 1), (2, 2)):
            raise ValueError("1 or 3 components, at least one MCU row, sampling 1x1, 2x1 or 2x2")
        self.arrays = (components, out)  # kept alive for the raw pointers below
        for k, (blocks, cols, rows_per_mcu, multiplier, plane) in enumerate(components):
            b, m, p = blocks, multiplier, plane
            if b.shape[1] != 64 or m.shape[0] != 64 or cols < 1 or rows_per_mcu < 1 or \
                    mcu_rows * rows_per_mcu * cols > b.shape[0] or p.shape[0] == 0 or p.shape[1] == 0 or \
                    (p.shape[0] + 7) // 8 > mcu_rows * rows_per_mcu or (p.shape[1] + 7) // 8 > cols:
                raise ValueError(f"component {k}: blocks, grid, multiplier and plane do not fit")
            self.blocks[k] = &b[0, 0]
            self.multiplier[k] = &m[0]
            self.plane[k] = &p[0, 0]
            self.cols[k] = cols
            self.rows_per_mcu[k] = rows_per_mcu
            self.plane_rows[k] = p.shape[0]
            self.plane_cols[k] = p.shape[1]
        self.fx, self.fy = fx, fy
        self.mcu_rows, self.row_pixels = mcu_rows, row_pixels
        self.height, self.width = self.plane_rows[0], self.plane_cols[0]
        self.out = NULL
        if self.ncomp == 3:
            o = out
            if o.shape[0] != self.height or o.shape[1] != self.width or o.shape[2] != 3 or \
                    self.plane_rows[1] != self.plane_rows[2] or self.plane_cols[1] != self.plane_cols[2] or \
                    self.plane_rows[1] * fy < self.height or self.plane_cols[1] * fx < self.width:
                raise ValueError("output and planes do not fit")
            self.out = &o[0, 0, 0]
        elif out is not None:
            raise ValueError("one component: its plane is the output")
        if mcu_rows * row_pixels < self.height:
            raise ValueError("MCU rows do not cover the image")
        self.sync = np.zeros(ROWS + mcu_rows, np.int64)
        self.sync_view = self.sync

    def abort(self):
        """The scan failed: workers stop at their next claim."""
        store(&self.sync_view[ABORT], 1)

    def work(self):
        """Claim and finish rows until every row is coloured (or the job is aborted)."""
        cdef Scratch scratch
        scratch.memory = NULL
        if self.ncomp == 3 and not scratch_init(&scratch, self.plane_cols[1]):
            raise MemoryError()
        with nogil:
            self._work(&scratch)
        scratch_free(&scratch)

    cdef bint _transformed(self, Py_ssize_t row) noexcept nogil:
        return row < 0 or row >= self.mcu_rows or load(&self.sync_view[ROWS + row]) != 0

    cdef void _work(self, Scratch* scratch) noexcept nogil:
        cdef int64_t* sync = &self.sync_view[0]
        cdef int64_t c, i
        cdef int k, spins = 0
        while not load(&sync[ABORT]):
            # colour first: its rows are still in cache from their transform
            c = load(&sync[NEXT_COLOUR])
            if c >= self.mcu_rows:
                return
            if self._transformed(c - 1) and self._transformed(c) and self._transformed(c + 1):
                if claim(&sync[NEXT_COLOUR], c):
                    if self.ncomp == 3 and c * self.row_pixels < self.height:
                        colour_rows(self.plane[0], self.plane_cols[0], self.plane[1], self.plane[2],
                                    self.plane_rows[1], self.plane_cols[1], self.fx, self.fy, self.out,
                                    self.width, c * self.row_pixels,
                                    min((c + 1) * self.row_pixels, self.height), scratch)
                    spins = 0
                continue
            i = load(&sync[NEXT_IDCT])
            if i < self.mcu_rows and i < load(&sync[DECODED]):
                if claim(&sync[NEXT_IDCT], i):
                    for k in range(self.ncomp):
                        idct_rows(self.blocks[k], self.cols[k], self.multiplier[k], i * self.rows_per_mcu[k],
                                  (i + 1) * self.rows_per_mcu[k], self.plane[k], self.plane_rows[k],
                                  self.plane_cols[k], self.plane_cols[k])
                    store(&sync[ROWS + i], 1)
                    spins = 0
                continue
            backoff(&spins)


# Encoding's sync: [NEXT_FORWARD] the next MCU row to transform, [ROWS + r] row r transformed.
DEF NEXT_FORWARD = 0


cdef class Encoding:
    """One interleaved scan coded while its coefficients are still being made: workers on both
    threads claim MCU rows in order and transform them (jpeg_forward.forward_rows); the coding
    thread (:meth:`code`) codes each row as soon as it is ready and transforms rows itself
    whenever it would otherwise wait. ``blocks`` is filled whatever happens, so that a caller
    whose output buffer proved too small can code them again."""
    cdef object arrays
    cdef int64_t[::1] sync_view
    cdef const uint8_t* pixels
    cdef Py_ssize_t height, width, mcu_rows, blocks_per_row
    cdef int channels, hmax, vmax
    cdef float[128] mult_t
    cdef int[64] zig_t
    cdef int16_t* blocks
    cdef ScanCoder coder
    cdef readonly object sync

    def __init__(self, pixels, int channels, int hmax, int vmax, multiplier, zigzag, blocks, component,
                 int blocks_per_mcu, int restart_interval, dc_code, dc_size, ac_code, ac_size, out):
        cdef const uint8_t[:, ::1] px = pixels
        cdef const float[:, ::1] m = multiplier
        cdef const Py_ssize_t[::1] z = zigzag
        cdef int16_t[:, ::1] b = blocks
        cdef const uint8_t[::1] comp = component
        cdef const uint16_t[:, ::1] dcc = dc_code
        cdef const uint8_t[:, ::1] dcs = dc_size
        cdef const uint16_t[:, ::1] acc = ac_code
        cdef const uint8_t[:, ::1] acs = ac_size
        cdef uint8_t[::1] o = out
        self.height, self.width = px.shape[0], px.shape[1] // channels
        self.mcu_rows = (self.height + 8 * vmax - 1) // (8 * vmax)
        check_forward_arguments(px, channels, hmax, vmax, self.mcu_rows, m, z, b)
        check_coder_arguments(b, comp, blocks_per_mcu, dcc, dcs, acc, acs)
        self.blocks_per_row = (self.width + 8 * hmax - 1) // (8 * hmax) * blocks_per_mcu
        if b.shape[0] != self.mcu_rows * self.blocks_per_row or o.shape[0] < 1:
            raise ValueError("blocks must be exactly the scan's; out not empty")
        self.arrays = (pixels, multiplier, zigzag, blocks, component, dc_code, dc_size, ac_code, ac_size, out)
        self.pixels = &px[0, 0]
        self.channels, self.hmax, self.vmax = channels, hmax, vmax
        transposed_tables(&m[0, 0], &z[0], self.mult_t, self.zig_t)
        self.blocks = &b[0, 0]
        coder_init(&self.coder, &b[0, 0], &comp[0], blocks_per_mcu, restart_interval, &dcc[0, 0], &dcs[0, 0],
                   &acc[0, 0], &acs[0, 0], &o[0], o.shape[0])
        self.sync = np.zeros(ROWS + self.mcu_rows, np.int64)
        self.sync_view = self.sync

    cdef bint _transform_next(self) noexcept nogil:
        """Claim and transform the next row; False when every row is claimed."""
        cdef int64_t* sync = &self.sync_view[0]
        cdef int64_t row = load(&sync[NEXT_FORWARD])
        while row < self.mcu_rows:
            if claim(&sync[NEXT_FORWARD], row):
                forward_rows(self.pixels, self.height, self.width, self.channels, self.hmax, self.vmax, row,
                             row + 1, self.mult_t, self.zig_t, self.blocks)
                store(&sync[ROWS + row], 1)
                return True
            row = load(&sync[NEXT_FORWARD])
        return False

    def work(self):
        """Transform rows until every row is claimed."""
        with nogil:
            while self._transform_next():
                pass

    def code(self):
        """Code every row, in order, helping with transforms while waiting; then wait until every
        row is transformed. Returns the bytes written or a negative status of
        ``jpeg_entropy.ENCODE_ERRORS``."""
        cdef int64_t* sync = &self.sync_view[0]
        cdef Py_ssize_t row = 0, written
        cdef int spins = 0
        with nogil:
            while row < self.mcu_rows:
                if load(&sync[ROWS + row]):
                    code_blocks(&self.coder, (row + 1) * self.blocks_per_row)
                    row += 1
                elif not self._transform_next():
                    backoff(&spins)
            written = coder_finish(&self.coder)
        return written
