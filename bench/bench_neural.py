"""The VAE archive's two hot paths, each beside its peer.

    pytest bench/bench_neural.py --benchmark-only --benchmark-columns=min,median,ops

- ``vae-decoder-512``: the yosemite decoder, 512x512, batch 1: torch eager float32 vs torch.ao
  INT8 (x86 backend), both warmed up, with the allocator told to keep freed memory
  (:func:`fastzip.neural.runtime.keep_freed_memory`; without it fresh runs are ~2x slower).
  The weights are random, at 50 % sparsity: dense kernels do the same work either way.
- ``fzsw-encode`` / ``fzsw-decode``: the INT8 decoder state at 50 % sparsity through fastzip's
  compressed-sparse format, beside ``torch.save`` + zlib -6 of the same tensors.
  ``bytes_per_param`` is in extra_info.
"""

import io
import zlib

import pytest

torch = pytest.importorskip("torch")

from fastzip.neural import weights
from fastzip.neural.vae import prune, quantize
from fastzip.neural.vae.models import build
from fastzip.neural.runtime import keep_freed_memory


@pytest.fixture(scope="module")
def decoders():
    keep_freed_memory()
    torch.manual_seed(0)
    decoder = build("yosemite").decoder.eval()
    prune.prune_l1(decoder, 0.5)
    prune.make_permanent(decoder)
    latents = torch.randn(4, 128)
    return {"torch-fp32": decoder, "torch.ao-int8": quantize.quantize_int8(decoder, latents)}


@pytest.mark.parametrize("precision", ["torch-fp32", "torch.ao-int8"])
def test_decoder_inference(benchmark, decoders, precision):
    benchmark.group = "vae-decoder-512"
    model, z = decoders[precision], torch.randn(1, 128)
    with torch.no_grad():
        out = benchmark.pedantic(model, args=(z,), rounds=20, iterations=1, warmup_rounds=3)
    assert out.shape == (1, 3, 512, 512)


@pytest.fixture(scope="module")
def int8_state(decoders):
    return quantize.int8_state(decoders["torch.ao-int8"])


def _params(state):
    return sum(t.numel() for t in state.values())


def _torch_zlib(state):
    buf = io.BytesIO()
    torch.save(state, buf)
    return zlib.compress(buf.getvalue(), 6)


def _torch_unzlib(blob):
    return torch.load(io.BytesIO(zlib.decompress(blob)), weights_only=False)


@pytest.mark.parametrize("codec", ["fastzip-fzsw", "torch.save+zlib-6"])
def test_weights_encode(benchmark, int8_state, codec):
    benchmark.group = "fzsw-encode"
    fn = weights.dumps if codec == "fastzip-fzsw" else _torch_zlib
    blob = benchmark.pedantic(fn, args=(int8_state,), rounds=3, iterations=1)
    benchmark.extra_info["bytes_per_param"] = round(len(blob) / _params(int8_state), 4)


@pytest.mark.parametrize("codec", ["fastzip-fzsw", "torch.save+zlib-6"])
def test_weights_decode(benchmark, int8_state, codec):
    benchmark.group = "fzsw-decode"
    blob = weights.dumps(int8_state) if codec == "fastzip-fzsw" else _torch_zlib(int8_state)
    fn = weights.loads if codec == "fastzip-fzsw" else _torch_unzlib
    back = benchmark.pedantic(fn, args=(blob,), rounds=5, iterations=1)
    assert torch.equal(back["fc.weight"].int_repr(), int8_state["fc.weight"].int_repr())
    benchmark.extra_info["bytes_per_param"] = round(len(blob) / _params(int8_state), 4)
