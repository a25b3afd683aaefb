# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""JPEG on every core, around the sequential entropy-coded scan.

Decoding (:class:`Reconstruction`): the scan decoder publishes each finished MCU row; workers on
both threads claim rows in order, inverse-transform them (jpeg_inverse.idct_rows) and, once a
row's neighbours are transformed too, upsample and colour it (jpeg_color.colour_rows). The
decoder's thread joins the workers when its scan is done. Scaled decoding (:class:`Reduction`)
transforms claimed rows to the reduced planes (jpeg_inverse.reduced_rows) the same way.

Encoding (:class:`Encoding`): workers claim pieces of the scan (runs of MCU rows), transform
them row by row and code each piece into its own buffer, from the DC predictions of the MCU
before it; one thread then joins the pieces bit-exactly into the stream a single coder would
have written (jpeg_entropy.coder_append).

Every claim is a compare-and-swap on a shared counter (row_sync.pxd), so any number of workers
can share a job, and one worker alone finishes it: a caller whose helper thread is busy loses
only speed.

Decoding's ``sync`` (int64, ``ROWS + mcu_rows``): [DECODED] MCU rows decoded, [NEXT_IDCT] and
[NEXT_COLOUR] the next rows to claim, [ABORT] set when the scan failed, [ROWS + r] row r
transformed.
"""

import numpy as np

from libc.stdint cimport int16_t, int64_t, uint8_t, uint16_t, uint32_t
from libc.stdlib cimport free, malloc

from .jpeg_color cimport Scratch, colour_rows, scratch_free, scratch_init
from .jpeg_entropy cimport ScanCoder, code_blocks, coder_append, coder_finish, coder_init, coder_pause, coder_start_at
from .jpeg_forward cimport forward_mcus, transposed_tables
from .jpeg_inverse cimport idct_rows, reduced_rows
from .row_sync cimport ROW_SYNC, backoff, claim, load, store

from .jpeg_entropy import check_coder_arguments
from .jpeg_forward import check_forward_arguments

PIPELINE = bool(ROW_SYNC)  # False: the compiler has no atomics here; decode in sequence

DEF DECODED = 0
DEF NEXT_IDCT = 1
DEF NEXT_COLOUR = 2
DEF ABORT = 3
DEF ROWS = 4


cdef class RowTransforms:
    """A scan's components, transformed an MCU row at a time as the scan decoder publishes them.
    ``components``: per component (blocks (n, 64) int16 in natural order, grid width in blocks,
    block rows per MCU row, multiplier (64,) float32, pixels a block side: 8 at full size, 1, 2
    or 4 reduced (scaled decoding), plane (h, w) uint8, cropped); ``mcu_rows`` MCU rows."""
    cdef object arrays
    cdef int64_t[::1] sync_view
    cdef readonly object sync
    cdef int ncomp
    cdef Py_ssize_t mcu_rows
    cdef const int16_t* blocks[4]
    cdef const float* multiplier[4]
    cdef uint8_t* plane[4]
    cdef int[4] size
    cdef Py_ssize_t[4] cols
    cdef Py_ssize_t[4] rows_per_mcu
    cdef Py_ssize_t[4] plane_rows
    cdef Py_ssize_t[4] plane_cols

    def __init__(self, components, Py_ssize_t mcu_rows):
        cdef const int16_t[:, ::1] b
        cdef const float[::1] m
        cdef uint8_t[:, ::1] p
        cdef int k, n
        self.ncomp = len(components)
        if not 1 <= self.ncomp <= 4 or mcu_rows < 1:
            raise ValueError("1 to 4 components, at least one MCU row")
        self.arrays = components  # kept alive for the raw pointers below
        for k, (blocks, cols, rows_per_mcu, multiplier, n, plane) in enumerate(components):
            b, m, p = blocks, multiplier, plane
            if n not in (1, 2, 4, 8) or b.shape[1] != 64 or m.shape[0] != 64 or cols < 1 or rows_per_mcu < 1 or \
                    mcu_rows * rows_per_mcu * cols > b.shape[0] or p.shape[0] == 0 or p.shape[1] == 0 or \
                    (p.shape[0] + n - 1) // n > mcu_rows * rows_per_mcu or (p.shape[1] + n - 1) // n > cols:
                raise ValueError(f"component {k}: blocks, grid, multiplier, size and plane do not fit")
            self.blocks[k] = &b[0, 0]
            self.multiplier[k] = &m[0]
            self.plane[k] = &p[0, 0]
            self.size[k] = n
            self.cols[k] = cols
            self.rows_per_mcu[k] = rows_per_mcu
            self.plane_rows[k] = p.shape[0]
            self.plane_cols[k] = p.shape[1]
        self.mcu_rows = mcu_rows
        self.sync = np.zeros(ROWS + mcu_rows, np.int64)
        self.sync_view = self.sync

    def abort(self):
        """The scan failed: workers stop at their next claim."""
        store(&self.sync_view[ABORT], 1)

    cdef bint _transform_next(self) noexcept nogil:
        """Claim the next decoded MCU row not yet claimed and transform it; False when there
        is none now."""
        cdef int64_t* sync = &self.sync_view[0]
        cdef int64_t i = load(&sync[NEXT_IDCT])
        cdef Py_ssize_t first, end
        cdef int k
        if i >= self.mcu_rows or i >= load(&sync[DECODED]) or not claim(&sync[NEXT_IDCT], i):
            return False
        for k in range(self.ncomp):
            first, end = i * self.rows_per_mcu[k], (i + 1) * self.rows_per_mcu[k]
            if self.size[k] == 8:
                idct_rows(self.blocks[k], self.cols[k], self.multiplier[k], first, end, self.plane[k],
                          self.plane_rows[k], self.plane_cols[k], self.plane_cols[k])
            else:
                reduced_rows(self.blocks[k], self.cols[k], self.multiplier[k], self.size[k], first, end,
                             self.plane[k], self.plane_rows[k], self.plane_cols[k], self.plane_cols[k])
        store(&sync[ROWS + i], 1)
        return True


cdef class Reduction(RowTransforms):
    """Scaled decoding's reduced planes, made while the scan is decoded; upsampling and colour
    come after the scan (the planes are small)."""

    def work(self):
        """Claim and transform rows until every row is done (or the job is aborted)."""
        with nogil:
            self._work()

    cdef void _work(self) noexcept nogil:
        cdef int spins = 0
        while not load(&self.sync_view[ABORT]) and load(&self.sync_view[NEXT_IDCT]) < self.mcu_rows:
            if self._transform_next():
                spins = 0
            else:
                backoff(&spins)


cdef class Reconstruction(RowTransforms):
    """One scan's pixels at full size: its planes (``size`` 8 for every component), and once a
    row's neighbours are transformed too, its upsampled colour rows. ``out`` (H, W, 3) uint8
    with 3 components (Y full size, chroma sampled ``fx`` x ``fy``), or None with 1 component
    (its plane is the image); ``row_pixels`` output rows an MCU row."""
    cdef int fx, fy
    cdef Py_ssize_t row_pixels, height, width
    cdef uint8_t* out

    def __init__(self, components, out, int fx, int fy, Py_ssize_t mcu_rows, Py_ssize_t row_pixels):
        cdef uint8_t[:, :, ::1] o
        if len(components) not in (1, 3) or row_pixels < 1 or (fx, fy) not in ((1, 1), (2, 1), (2, 2)):
            raise ValueError("1 or 3 components, sampling 1x1, 2x1 or 2x2")
        if any(component[4] != 8 for component in components):
            raise ValueError("full-size planes: 8 pixels a block side")
        super().__init__(components, mcu_rows)
        self.arrays = (components, out)
        self.fx, self.fy = fx, fy
        self.row_pixels = row_pixels
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
        cdef int64_t c
        cdef int spins = 0
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
            if self._transform_next():
                spins = 0
                continue
            backoff(&spins)


# Encoding's sync: [NEXT_PIECE] the next piece to claim.
DEF NEXT_PIECE = 0


cdef class Encoding:
    """One scan coded in pieces on every thread, and joined into the one bit stream a single
    coder would write. ``pieces`` runs of MCU rows (``rows`` rows of ``blocks_per_row``
    blocks) are claimed in order, and each is coded into its own part of a scratch buffer from
    bit 0, from the DC predictions the MCU before it leaves; :meth:`join` then appends the
    pieces in order, each shifted to where the one before ended (jpeg_entropy.coder_append).

    With ``pixels``, a worker transforms one MCU row at a time into a buffer of its own
    (jpeg_forward.forward_mcus) and codes it while it is in cache, as libjpeg does: no
    coefficients for the whole image, and a piece's DC predictions come from transforming the
    one MCU before it again. Without (``pixels`` None), ``blocks`` holds the scan's coefficients,
    made before (as Huffman tables made for the image need).

    No restart markers: a marker's padding depends on where in a byte the stream stands."""
    cdef object arrays
    cdef int64_t[::1] sync_view
    cdef int64_t[:, ::1] result_view  # per piece: bytes written (or status), tail bits, their count
    cdef const uint8_t* pixels
    cdef Py_ssize_t height, width, rows, blocks_per_row, pieces, per_block
    cdef int channels, hmax, vmax
    cdef float[128] mult_t
    cdef int[64] zig_t
    cdef const int16_t* blocks
    cdef const uint8_t* component
    cdef int blocks_per_mcu
    cdef const uint16_t* dc_code
    cdef const uint8_t* dc_size
    cdef const uint16_t* ac_code
    cdef const uint8_t* ac_size
    cdef uint8_t* scratch

    def __init__(self, pixels, int channels, int hmax, int vmax, multiplier, zigzag, blocks, component,
                 int blocks_per_mcu, Py_ssize_t rows, Py_ssize_t blocks_per_row, dc_code, dc_size, ac_code,
                 ac_size, Py_ssize_t pieces, Py_ssize_t per_block):
        cdef const uint8_t[:, ::1] px
        cdef const float[:, ::1] m
        cdef const Py_ssize_t[::1] z
        cdef const int16_t[:, ::1] b
        cdef const uint8_t[::1] comp = component
        cdef const uint16_t[:, ::1] dcc = dc_code
        cdef const uint8_t[:, ::1] dcs = dc_size
        cdef const uint16_t[:, ::1] acc = ac_code
        cdef const uint8_t[:, ::1] acs = ac_size
        cdef uint8_t[::1] scratch
        if rows < 1 or blocks_per_row < 1 or blocks_per_mcu < 1 or blocks_per_row % blocks_per_mcu \
                or comp.shape[0] < blocks_per_row or not 1 <= pieces <= rows or per_block < 64:
            raise ValueError("rows of whole MCUs, a component per block, 1..rows pieces, 64+ bytes a block")
        self.pixels, self.blocks = NULL, NULL
        if pixels is not None:
            px, m, z = pixels, multiplier, zigzag
            self.height, self.width = px.shape[0], px.shape[1] // channels
            # the row buffer's blocks stand for row 0's: the same components, and checked as those
            b = np.empty((blocks_per_row, 64), np.int16)
            check_forward_arguments(px, channels, hmax, vmax, 1, m, z, b)
            if rows != (self.height + 8 * vmax - 1) // (8 * vmax) or \
                    blocks_per_row != (self.width + 8 * hmax - 1) // (8 * hmax) * blocks_per_mcu:
                raise ValueError("rows must be the image's MCU rows")
            check_coder_arguments(b, comp, blocks_per_mcu, dcc, dcs, acc, acs)
            self.pixels = &px[0, 0]
            transposed_tables(&m[0, 0], &z[0], self.mult_t, self.zig_t)
        else:
            b = blocks
            check_coder_arguments(b, comp, blocks_per_mcu, dcc, dcs, acc, acs)
            if b.shape[0] != rows * blocks_per_row:
                raise ValueError("blocks must be rows x blocks_per_row")
            self.blocks = &b[0, 0]
        self.channels, self.hmax, self.vmax = channels, hmax, vmax
        self.rows, self.blocks_per_row, self.pieces, self.per_block = rows, blocks_per_row, pieces, per_block
        # each piece's room: its blocks at per_block bytes, and the coder's margin; only what is
        # written is ever touched
        scratch = np.empty(rows * blocks_per_row * per_block + pieces * 1024, np.uint8)
        self.arrays = (pixels, multiplier, zigzag, blocks, component, dc_code, dc_size, ac_code, ac_size, scratch)
        self.component = &comp[0]
        self.blocks_per_mcu = blocks_per_mcu
        self.dc_code, self.dc_size, self.ac_code, self.ac_size = &dcc[0, 0], &dcs[0, 0], &acc[0, 0], &acs[0, 0]
        self.scratch = &scratch[0]
        self.sync_view = np.zeros(1, np.int64)
        self.result_view = np.zeros((pieces, 3), np.int64)

    cdef Py_ssize_t _first_row(self, Py_ssize_t piece) noexcept nogil:
        return self.rows * piece // self.pieces

    cdef Py_ssize_t _room(self, Py_ssize_t piece) noexcept nogil:
        """Where the piece's room in the scratch buffer begins."""
        return self._first_row(piece) * self.blocks_per_row * self.per_block + 1024 * piece

    cdef void _transform(self, Py_ssize_t row, Py_ssize_t first_mcu, Py_ssize_t end_mcu, int16_t* out) noexcept nogil:
        forward_mcus(self.pixels, self.height, self.width, self.channels, self.hmax, self.vmax, row, first_mcu,
                     end_mcu, self.mult_t, self.zig_t, out)

    cdef void _piece(self, Py_ssize_t piece, int16_t* row_blocks) noexcept nogil:
        cdef Py_ssize_t first = self._first_row(piece), end = self._first_row(piece + 1), r, room
        cdef Py_ssize_t mcus_x = self.blocks_per_row // self.blocks_per_mcu
        cdef ScanCoder coder
        cdef uint32_t tail = 0
        cdef int tail_bits = 0, k
        room = self._room(piece)
        coder_init(&coder, self.blocks if self.pixels == NULL else row_blocks, self.component,
                   self.blocks_per_mcu, 0, self.dc_code, self.dc_size, self.ac_code, self.ac_size,
                   self.scratch + room, self._room(piece + 1) - room)
        if self.pixels == NULL:
            coder_start_at(&coder, first * self.blocks_per_row)
            code_blocks(&coder, end * self.blocks_per_row)
        else:
            if first > 0:  # the MCU before the piece, for its DC predictions
                self._transform(first - 1, mcus_x - 1, mcus_x, row_blocks)
                for k in range(self.blocks_per_mcu):
                    coder.pred[self.component[k]] = row_blocks[64 * k]
            for r in range(first, end):
                self._transform(r, 0, mcus_x, row_blocks)
                coder.next_block = 0  # every row is coded from the buffer's start
                code_blocks(&coder, self.blocks_per_row)
        self.result_view[piece, 0] = coder_pause(&coder, &tail, &tail_bits)
        self.result_view[piece, 1] = tail
        self.result_view[piece, 2] = tail_bits

    def work(self):
        """Claim and code pieces until every piece is claimed."""
        cdef int64_t* next_piece = &self.sync_view[NEXT_PIECE]
        cdef int64_t piece
        cdef int16_t* row_blocks = NULL
        if self.pixels != NULL:
            row_blocks = <int16_t*>malloc(self.blocks_per_row * 64 * sizeof(int16_t))
            if row_blocks == NULL:
                raise MemoryError()
        with nogil:
            piece = load(next_piece)
            while piece < self.pieces:
                if claim(next_piece, piece):
                    self._piece(piece, row_blocks)
                piece = load(next_piece)
        free(row_blocks)

    def join(self):
        """After every :meth:`work` has returned: (bytes written, array) with the pieces as one
        padded bit stream at the array's start; or (negative status of
        ``jpeg_entropy.ENCODE_ERRORS``, None)."""
        cdef Py_ssize_t piece, written = 0, room = 1024
        cdef ScanCoder coder
        cdef uint8_t[::1] o
        for piece in range(self.pieces):
            if self.result_view[piece, 0] < 0:
                return self.result_view[piece, 0], None
            room += 2 * self.result_view[piece, 0] + 16  # shifted, each byte may need stuffing
        out = np.empty(room, np.uint8)
        o = out
        coder_init(&coder, NULL, NULL, 1, 0, NULL, NULL, NULL, NULL, &o[0], o.shape[0])
        with nogil:
            for piece in range(self.pieces):
                coder_append(&coder, self.scratch + self._room(piece), self.result_view[piece, 0],
                             <uint32_t>self.result_view[piece, 1], <int>self.result_view[piece, 2])
            written = coder_finish(&coder)
        return written, out
