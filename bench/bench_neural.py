"""The VAE archive's hot paths, each beside its peer.

    pytest bench/bench_neural.py --benchmark-only --benchmark-columns=min,median,ops

- ``vae-decoder-512-fp32[sNN]`` / ``vae-decoder-512-int8[sNN]``: the yosemite decoder (latent
  32, as the archives use), 512x512, batch 1, at NN % sparsity: torch eager float32 and torch.ao
  INT8 (x86 backend) beside fastzip's Numba kernels (fused depthwise-separable blocks, the
  Linear layer from its sparse rows). All warmed up; the allocator is told to keep freed memory
  (:func:`fastzip.neural.runtime.keep_freed_memory`; without it torch's fresh runs are ~2x slower).
  Weights are random: the kernels do the same work as for trained ones.
- ``vae-decoder-peak-memory``: one 512x512 decode in a fresh, warmed-up process per engine;
  extra_info holds ``decode_peak_rss_mb`` (how far the decode raises the resident set above
  where it stood) and ``process_rss_mb`` (the process before it: numba's or torch's code).
- ``vae-extract-11x512``: ``fastzip archive extract`` of an 11-image 512x512 INT8 archive (85 %
  sparse), each in a fresh process: torch's path beside the torch-free Numba path, with torch
  and scipy blocked in that process as in a ``fastzip[extract]`` install (numba imports scipy
  when it is there); ``peak_rss_mb`` in extra_info.
- ``fzsw-encode`` / ``fzsw-decode``: the INT8 decoder state at 50 % sparsity through fastzip's
  compressed-sparse format, beside ``torch.save`` + zlib -6 of the same tensors.
  ``bytes_per_param`` is in extra_info.
"""

import io
import subprocess
import sys
import warnings
import zlib

import pytest

torch = pytest.importorskip("torch")

from fastzip.neural import archive, weights
from fastzip.neural.registry import get_config
from fastzip.neural.runtime import keep_freed_memory
from fastzip.neural.vae import prune, quantize
from fastzip.neural.vae.models import Decoder, build

SPARSITIES = [50, 85, 95]


def _decoder(sparsity: int, latent: int = 32):
    torch.manual_seed(0)
    decoder = Decoder(get_config("yosemite", latent=latent)).eval()
    prune.prune_l1(decoder, sparsity / 100)
    prune.make_permanent(decoder)
    return decoder


def _int8(decoder, latents):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize.quantize_int8(decoder, latents)


@pytest.fixture(scope="module")
def engines():
    """{(precision, sparsity, engine): a callable decoding one latent}"""
    keep_freed_memory()
    made = {}
    for sparsity in SPARSITIES:
        decoder = _decoder(sparsity)
        latents = torch.randn(4, 32) * 2
        int8 = _int8(decoder, latents)
        made["fp32", sparsity, "torch"] = decoder
        made["int8", sparsity, "torch.ao"] = int8
        try:
            from fastzip.neural.vae.inference import SparseDecoder
        except ImportError:
            continue
        stored = {k: weights.to_stored(v) for k, v in decoder.state_dict().items()}
        made["fp32", sparsity, "numba"] = SparseDecoder(decoder.config, "none", stored)
        stored = {k: weights.to_stored(v) for k, v in quantize.int8_state(int8).items()}
        made["int8", sparsity, "numba"] = SparseDecoder(decoder.config, "int8", stored)
    return made


@pytest.mark.parametrize("sparsity", SPARSITIES)
@pytest.mark.parametrize("precision, engine", [("fp32", "torch"), ("fp32", "numba"), ("int8", "torch.ao"),
                                               ("int8", "numba")])
def test_decoder_inference(benchmark, engines, precision, sparsity, engine):
    benchmark.group = f"vae-decoder-512-{precision}[s{sparsity}]"
    if (precision, sparsity, engine) not in engines:
        pytest.skip("numba is not installed")
    run = engines[precision, sparsity, engine]
    z = torch.randn(1, 32) * 2
    args = (z.numpy(),) if engine == "numba" else (z,)
    with torch.no_grad():
        out = benchmark.pedantic(run, args=args, rounds=20, iterations=1, warmup_rounds=3)
    assert tuple(out.shape) == (1, 3, 512, 512)


_PEAK = """
import sys, warnings
warnings.simplefilter("ignore")
from fastzip.neural import archive
engine = sys.argv[2]
if engine == "numba":
    sys.modules["torch"] = None
made = archive.load(sys.argv[1])
one = archive.Archive(made.config, made.quant, made.names[:1], made.sizes[:1], made.latents[:1], made.state, made.info)
def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith(key))
for _ in range(2):  # compile or warm up, let the allocators settle
    archive.reconstruct(one, engine=engine)
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the high-water mark starts again from here (Linux)
base = status("VmRSS")
archive.reconstruct(one, engine=engine)
print(status("VmHWM") - base, base)
"""


@pytest.fixture(scope="module")
def archive_11(tmp_path_factory):
    """An 11-image 512x512 INT8 archive, 85 % sparse, latent 32 (the Table 1 setting)."""
    decoder = _decoder(85)
    latents = torch.randn(11, 32) * 2
    state = {k: weights.to_stored(v) for k, v in quantize.int8_state(_int8(decoder, latents)).items()}
    made = archive.Archive(decoder.config, "int8", [f"photo{i}.png" for i in range(11)], [(512, 512)] * 11,
                           latents.numpy(), state)
    path = tmp_path_factory.mktemp("archive") / "set.fzv"
    archive.save(made, path)
    return path


@pytest.mark.parametrize("engine", ["torch", "numba"])
def test_decoder_peak_memory(benchmark, archive_11, engine):
    benchmark.group = "vae-decoder-peak-memory"
    if engine == "numba":
        pytest.importorskip("numba")
    run = lambda: subprocess.run([sys.executable, "-c", _PEAK, str(archive_11), engine], check=True,
                                 capture_output=True, text=True).stdout
    if not sys.platform.startswith("linux"):
        pytest.skip("the high-water mark is reset through /proc/self/clear_refs")
    peak, process = benchmark.pedantic(run, rounds=1, iterations=1).split()
    benchmark.extra_info["decode_peak_rss_mb"] = round(float(peak), 1)  # what one more decode adds at most
    benchmark.extra_info["process_rss_mb"] = round(float(process), 1)  # the warmed-up process before it


_EXTRACT = """
import sys
if sys.argv[3] == "numba":
    sys.modules["torch"] = sys.modules["scipy"] = None  # as in a fastzip[extract] install
from fastzip.cli import main
code = main(["archive", "extract", sys.argv[1], "-o", sys.argv[2], "--engine", sys.argv[3]])
with open("/proc/self/status") as f:  # this process's high-water mark (ru_maxrss keeps the parent's over exec)
    print(next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM")))
sys.exit(code)
"""


@pytest.mark.parametrize("engine", ["torch", "numba"])
def test_archive_extract_in_a_fresh_process(benchmark, archive_11, tmp_path, engine):
    benchmark.group = "vae-extract-11x512"
    if not sys.platform.startswith("linux"):
        pytest.skip("peak memory is read from /proc/self/status")
    if engine == "numba":
        pytest.importorskip("numba")
    run = lambda: subprocess.run([sys.executable, "-c", _EXTRACT, str(archive_11), str(tmp_path / "out"), engine],
                                 check=True, capture_output=True, text=True).stdout
    out = benchmark.pedantic(run, rounds=3, iterations=1)
    benchmark.extra_info["peak_rss_mb"] = round(float(out.split()[-1]), 1)
    assert len(list((tmp_path / "out").glob("*.png"))) == 11


@pytest.fixture(scope="module")
def decoders():
    keep_freed_memory()
    torch.manual_seed(0)
    decoder = build("yosemite").decoder.eval()
    prune.prune_l1(decoder, 0.5)
    prune.make_permanent(decoder)
    return {"torch.ao-int8": quantize.quantize_int8(decoder, torch.randn(4, 128))}


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


# torch.load rebuilds quantized tensors through TypedStorage and warns about it itself.
@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated:UserWarning")
@pytest.mark.parametrize("codec", ["fastzip-fzsw", "torch.save+zlib-6"])
def test_weights_decode(benchmark, int8_state, codec):
    benchmark.group = "fzsw-decode"
    blob = weights.dumps(int8_state) if codec == "fastzip-fzsw" else _torch_zlib(int8_state)
    fn = weights.loads if codec == "fastzip-fzsw" else _torch_unzlib
    back = benchmark.pedantic(fn, args=(blob,), rounds=5, iterations=1)
    assert torch.equal(back["fc.weight"].int_repr(), int8_state["fc.weight"].int_repr())
    benchmark.extra_info["bytes_per_param"] = round(len(blob) / _params(int8_state), 4)
