"""The archive decoder on Numba kernels agrees with torch: every fused block and the whole
decoder within 1e-4 of torch eager in float32; INT8 layer by layer on torch.ao's uint8 values
(within one quantization step on every element); the sparse Linear layer from its stored rows.
And extraction runs without torch."""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from fastzip import FastzipError, FormatError
from fastzip.neural import archive, weights
from fastzip.neural.registry import get_config
from fastzip.neural.vae.models import Decoder, SeparableUpBlock
from fastzip.neural.vae.prune import make_permanent, prune_to
from fastzip.neural.vae.quantize import int8_state, quantize_int8

pytest.importorskip("numba")
from fastzip._jit import separable  # noqa: E402
from fastzip.neural.vae.inference import SparseDecoder  # noqa: E402

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _stored(state: dict) -> dict:
    return {name: weights.to_stored(tensor) for name, tensor in state.items()}


@pytest.mark.parametrize("c_in, c_out, height, width, relu", [(8, 3, 5, 7, False), (16, 8, 1, 1, True),
                                                             (128, 64, 16, 16, True), (3, 5, 9, 4, True)])
def test_each_fused_block_matches_torch(c_in, c_out, height, width, relu):
    torch.manual_seed(c_in + height)
    block = SeparableUpBlock(c_in, c_out, relu=relu).eval()
    x = torch.randn(1, c_in, height, width)
    with torch.no_grad():
        expected = block(x)[0].numpy()
    out = np.empty(expected.shape, np.float32)
    dw = block.depthwise.weight.detach().numpy().reshape(c_in, 3, 3)
    separable.block_f32(x[0].numpy(), separable.phase_kernels(dw), block.depthwise.bias.detach().numpy(),
                        block.pointwise.weight.detach().numpy().reshape(c_out, c_in),
                        block.pointwise.bias.detach().numpy(), separable.RELU if relu else separable.NO_ACTIVATION, False,
                        out)
    assert np.abs(out - expected).max() < 1e-4


@pytest.fixture(scope="module")
def yosemite():
    """The 512x512 decoder (latent 32), 85 % pruned, with latents that exercise it."""
    torch.manual_seed(0)
    decoder = Decoder(get_config("yosemite", latent=32)).eval()
    prune_to(decoder, 0.85)
    make_permanent(decoder)
    return decoder, torch.randn(2, 32) * 2


def test_the_whole_float_decoder_matches_torch(yosemite):
    decoder, latents = yosemite
    run = SparseDecoder(decoder.config, "none", _stored(decoder.state_dict()))
    with torch.no_grad():
        expected = decoder(latents).numpy()
    assert np.abs(run(latents.numpy()) - expected).max() < 1e-4
    # The Linear layer runs from its non-zero weights only.
    assert run.fc[2].size == int((decoder.fc.weight != 0).sum()) < 0.2 * decoder.fc.weight.numel()


def test_int8_reproduces_torch_ao_layer_by_layer(yosemite):
    decoder, latents = yosemite
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = quantize_int8(decoder, latents)
    run = SparseDecoder(decoder.config, "int8", _stored(int8_state(model)))
    outputs = {}
    for name, module in model.named_modules():
        if name.endswith("pointwise") or name == "fc":
            module.register_forward_hook(lambda m, i, o, name=name: outputs.__setitem__(name, o.int_repr()[0].numpy()))
    with torch.no_grad():
        expected = model(latents[:1]).numpy()
    got = run(latents[:1].numpy())
    # Each block from torch.ao's own input: the same uint8 values, but for float ties.
    last = len(run.blocks) - 1
    grid = decoder.config.grid
    for i, block in enumerate(run.blocks[:last]):
        source = outputs[f"blocks.{i - 1}.pointwise"] if i else outputs["fc"].reshape(-1, grid, grid)
        mine = np.empty(outputs[f"blocks.{i}.pointwise"].shape, np.uint8)
        separable.block_i8(source, *block, True, False, False, run.sigmoid_table, mine)
        diff = np.abs(mine.astype(int) - outputs[f"blocks.{i}.pointwise"])
        assert diff.max() <= 1 and (diff > 0).mean() < 1e-3
    # The whole decoder: within one quantization step of the last layer (times the sigmoid's slope).
    step = float(model.blocks[last].pointwise.scale)
    assert np.abs(got - expected).max() <= 0.25 * step + 1e-6


@pytest.mark.parametrize("quant", ["int8", "none"])
def test_pixels_are_the_rounded_float_output(yosemite, quant):
    decoder, latents = yosemite
    from fastzip.neural.images import to_uint8

    made = _archive_of(decoder, latents, quant)
    run = SparseDecoder(decoder.config, quant, made.state)
    assert np.array_equal(run.pixels(latents.numpy()), to_uint8(torch.from_numpy(run(latents.numpy()))))


def _archive_of(decoder, latents, quant):
    if quant == "int8":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            state = int8_state(quantize_int8(decoder, latents))
    else:
        state = decoder.state_dict() if quant == "none" else {k: v.half() for k, v in decoder.state_dict().items()}
    return archive.Archive(decoder.config, quant, ["a.png", "b.png"], [(512, 512)] * 2, latents.numpy(),
                           _stored(state))


@pytest.mark.parametrize("quant", ["int8", "fp16", "none"])
def test_numba_and_torch_reconstruct_the_same_pictures(yosemite, quant):
    from fastzip.metrics import psnr

    decoder, latents = yosemite
    made = archive.loads(archive.dumps(_archive_of(decoder, latents, quant)))
    fast = archive.reconstruct(made, engine="numba")
    slow = archive.reconstruct(made, engine="torch")
    assert np.abs(fast.astype(int) - slow).max() <= 1
    assert (fast != slow).mean() < 1e-3
    assert psnr(fast, slow) > 60


@pytest.mark.parametrize("quant", ["int8", "none"])
def test_golden_archives_decode_the_same_without_torch(quant, tmp_path):
    """A fresh process that cannot import torch extracts a golden archive: the pixels are the
    ones recorded from torch, to within one level."""
    code = ("import sys; sys.modules['torch'] = None\n"
            "import numpy as np\n"
            "from fastzip.neural import archive\n"
            f"made = archive.load({str(GOLDEN / f'archive_v1_{quant}.fzv')!r})\n"
            f"np.save({str(tmp_path / 'out.npy')!r}, archive.reconstruct(made))\n"
            "assert 'torch' not in sys.modules or sys.modules['torch'] is None\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    got = np.load(tmp_path / "out.npy")
    expected = np.load(GOLDEN / f"archive_v1_{quant}.npy")
    assert got.shape == expected.shape and np.abs(got.astype(int) - expected).max() <= 1


def test_weights_that_do_not_fit_the_model_are_format_errors(yosemite):
    decoder, latents = yosemite
    state = _stored(decoder.state_dict())
    for broken in ({k: v for k, v in state.items() if k != "fc.bias"},
                   {**state, "fc.bias": weights.to_stored(np.zeros(7, np.float32))},
                   {**state, "blocks.0.depthwise.weight": weights.to_stored(np.zeros((128, 1, 3, 3), np.int64))}):
        with pytest.raises(FormatError):
            SparseDecoder(decoder.config, "none", broken)


def test_mutated_archives_raise_only_fastzip_errors_on_numba():
    blob = (GOLDEN / "archive_v1_int8.fzv").read_bytes()
    rng = np.random.default_rng(1)
    import struct
    import zlib

    for _ in range(200):
        mutant = bytearray(blob[:-4])
        mutant[rng.integers(10, len(mutant))] = rng.integers(0, 256)
        body = bytes(mutant)
        try:
            archive.reconstruct(archive.loads(body + struct.pack("<I", zlib.crc32(body))), engine="numba")
        except FastzipError:
            pass
