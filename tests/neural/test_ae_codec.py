"""The autoencoder codecs: the torch-free networks compute what torch trained (Numba kernels
bit-identical for any thread count, numpy twins within rounding), the latent and lossless
coders are exact, lossy codes decode to the codec's reconstruction and lossless codes to the
images, damaged codec and codes files raise fastzip errors, the command line works end to
end, and the first version's golden files keep decoding."""

from pathlib import Path

import numpy as np
import pytest
import torch

from fastzip import ChecksumError, FastzipError, FormatError, OutputLimitError
from fastzip.neural.registry import AE_MODELS, AEConfig, ae_config

pytest.importorskip("numba")
from fastzip.neural.ae import lossless, prior, train  # noqa: E402
from fastzip.neural.ae.codec import Codec, read_codes  # noqa: E402
from fastzip.neural.ae.models import AutoEncoder  # noqa: E402
from fastzip.neural.ae.network import Network  # noqa: E402

from common import mutants, outcomes  # noqa: E402

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


@pytest.fixture(scope="module")
def digits():
    pytest.importorskip("sklearn")
    from fastzip.data import digits

    return digits()[0]


@pytest.fixture(scope="module")
def colour_crops():
    pytest.importorskip("skimage")
    from fastzip.data import photo_crops

    return photo_crops(12, ("astronaut", "coffee"), per_photo=40)  # 12x12: the conv models pad to 12


@pytest.fixture(scope="module")
def dense_codec(digits):
    return train.train(digits[:400], "dense", steps=150, progress=False, latent=12).codec


@pytest.fixture(scope="module")
def conv_codec(colour_crops):
    return train.train(colour_crops, "conv", steps=40, progress=False, latent=4).codec


def _perturbed(config: AEConfig, seed: int) -> AutoEncoder:
    net = AutoEncoder(config, seed=seed)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn(p.shape, generator=torch.Generator().manual_seed(seed)) * 0.05)
    return net


@pytest.mark.parametrize("model", sorted(AE_MODELS))
@pytest.mark.parametrize("shape", [(8, 8, 1), (10, 13, 3)])
def test_the_torch_free_network_computes_what_torch_does(model, shape):
    config = ae_config(model, shape, latent=5)
    net = _perturbed(config, seed=3)
    images = np.random.default_rng(1).integers(0, 256, (6,) + shape, dtype=np.uint8)
    with torch.no_grad():
        y, _ = net.analyse(torch.from_numpy(images.astype(np.float32) / 255))
        q = torch.round(y)
        expected = net.synthesise(q).numpy()
    weights = {k: v.numpy() for k, v in net.stored_state().items()}
    for impl in ("numba", "reference"):
        network = Network(config, weights, impl=impl)
        np.testing.assert_allclose(network._analyse(images.astype(np.float32) / 255), y.numpy(), atol=2e-5)
        np.testing.assert_allclose(network._synthesise(q.numpy().astype(np.int32)), expected, atol=2e-5)


def test_numba_pixels_are_the_same_bits_on_any_thread_count(conv_codec, colour_crops):
    network = conv_codec.network
    latents = network.latents(colour_crops, threads=1)
    assert np.array_equal(latents, network.latents(colour_crops, threads=2))
    assert np.array_equal(network.pixels(latents, threads=1), network.pixels(latents, threads=2))


def test_a_network_refuses_weights_of_the_wrong_shape(dense_codec):
    weights = dict(dense_codec.weights)
    weights["decoder.0.weight"] = weights["decoder.0.weight"][:, :-1]
    with pytest.raises(ValueError, match="decoder.0.weight"):
        Network(dense_codec.config, weights)


@pytest.mark.parametrize("shape", [(7, 12), (5, 1, 1, 9), (3, 4, 6, 3)])
def test_latent_contexts_and_decoding_agree_on_any_values(shape):
    rng = np.random.default_rng(sum(shape))
    latents = rng.laplace(0, 3, shape).round().astype(np.int32)
    latents.flat[::17] *= 40  # some far outside the tables: escapes
    values, tables = prior.contexts(latents)
    channels = shape[-1]
    cdf, offset = prior.tables(values, tables, prior.table_count(channels))
    from fastzip import rans

    stream = rans.encode(values, tables, cdf, offset)
    assert np.array_equal(prior.decode(stream, shape, cdf, offset), latents)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("alpha,beta", [(0, 0), (2, 1), (4, 2), (5, 0), (6, 2)])
def test_lossless_contexts_and_decoding_agree(channels, alpha, beta):
    rng = np.random.default_rng(channels)
    images = rng.integers(0, 256, (3, 9, 11, channels), dtype=np.uint8)
    images[1] = np.clip(np.arange(11) * 20, 0, 255)[None, :, None]  # an edge-free ramp
    reconstruction = np.clip(images.astype(int) + rng.integers(-9, 10, images.shape), 0, 255).astype(np.uint8)
    values, tables = lossless.contexts(images, reconstruction, alpha, beta)
    assert values.min() >= -lossless.RANGE and values.max() < lossless.RANGE
    cdf, offset = lossless.tables(values, tables, channels)
    from fastzip import rans

    stream = rans.encode(values, tables, cdf, offset)
    assert np.array_equal(lossless.decode(stream, reconstruction, alpha, beta, cdf, offset), images)


def test_the_lossless_mix_follows_how_good_the_reconstruction_is(colour_crops):
    exact = lossless.choose_mix(colour_crops, colour_crops)
    # a perfect reconstruction: the whole guide (alpha 4) or the reconstruction itself (5), both exact
    assert exact[0] >= 4 and not lossless.contexts(colour_crops, colour_crops, *exact)[0].any()
    noise = np.random.default_rng(0).integers(0, 256, colour_crops.shape, dtype=np.uint8)
    assert lossless.choose_mix(colour_crops, noise)[0] == 0  # a useless one: predict from the neighbours


@pytest.mark.parametrize("coder", ["rans", "deflate"])
def test_codes_decode_to_the_reconstruction_or_exactly(dense_codec, conv_codec, digits, colour_crops, coder):
    for codec, images in ((dense_codec, digits[400:460]), (conv_codec, colour_crops[:30])):
        lossy = codec.encode(images, coder=coder)
        expected = codec.network.pixels(codec.network.latents(_as4(images)))
        assert np.array_equal(codec.decode(lossy), expected)
        exact = codec.encode(images, lossless=True, coder=coder)
        assert np.array_equal(codec.decode(exact), _as4(images))
        assert read_codes(exact).lossless and read_codes(exact).coder == coder


def _as4(images):
    return images[..., None] if images.ndim == 3 else images


def test_a_trained_codec_beats_its_untrained_start_and_reports_held_out_figures(digits):
    trained = train.train(digits, "dense", steps=300, progress=False, latent=12)
    held = trained.codec.meta["heldout"]
    assert held["images"] == len(trained.heldout_index) == 180
    assert not set(trained.heldout_index) & set(trained.train_index)
    untrained = train.train(digits, "dense", steps=1, progress=False, latent=12).codec.meta["heldout"]
    assert held["psnr"] > untrained["psnr"] + 3
    # Lossless beats the 8 bits of the raw samples on held-out digits
    assert held["lossless_bpp"] < 8


def test_larger_lambda_spends_fewer_bytes(digits):
    low = train.train(digits, "dense", lam=0.0005, steps=300, progress=False).codec.meta["heldout"]
    high = train.train(digits, "dense", lam=0.02, steps=300, progress=False).codec.meta["heldout"]
    assert high["bpp"] < low["bpp"] and high["psnr"] < low["psnr"]


def test_the_codec_file_round_trips(conv_codec, tmp_path):
    path = tmp_path / "c.fzc"
    conv_codec.save(path)
    again = Codec.load(path)
    assert again.id == conv_codec.id and again.dumps() == conv_codec.dumps()
    assert again.config == conv_codec.config and again.mix == conv_codec.mix
    assert again.meta == conv_codec.meta


def test_codes_name_their_codec(dense_codec, digits):
    other = train.train(digits[:100], "dense", steps=5, progress=False, latent=12).codec
    with pytest.raises(FormatError, match="made by codec"):
        other.decode(dense_codec.encode(digits[:3]))


def test_images_of_another_shape_are_refused(dense_codec):
    with pytest.raises(ValueError, match="codes"):
        dense_codec.encode(np.zeros((2, 9, 8), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        dense_codec.encode(np.zeros((2, 8, 8), np.float32))


def test_decoding_takes_a_size_limit(dense_codec, digits):
    data = dense_codec.encode(digits[:50])
    with pytest.raises(OutputLimitError):
        dense_codec.decode(data, max_samples=49 * 64)
    assert len(dense_codec.decode(data, max_samples=50 * 64)) == 50


def test_damaged_codes_raise_fastzip_errors(conv_codec, colour_crops):
    rng = np.random.default_rng(5)
    for lossless_mode in (False, True):
        data = conv_codec.encode(colour_crops[:8], lossless=lossless_mode)
        for cut in range(0, len(data), 7):
            with pytest.raises(FastzipError):
                conv_codec.decode(data[:cut])
        counts = outcomes(conv_codec.decode, mutants(data, rng, 200, cut_every=5))
        assert counts["ok"] == 0  # the CRC-32 catches every change


def test_lying_codes_with_a_valid_checksum_raise_fastzip_errors(conv_codec, colour_crops):
    """Streams changed *and* resealed: the decoders themselves must refuse them."""
    import zlib

    rng = np.random.default_rng(6)
    data = conv_codec.encode(colour_crops[:8], lossless=True)
    resealed = []
    for m in mutants(data[:-4], rng, 300, first=6):
        resealed.append(m + zlib.crc32(m).to_bytes(4, "little"))
    counts = outcomes(conv_codec.decode, resealed)
    assert counts["ok"] + counts["error"] == 300
    # a lossless stream whose latents changed decodes to other pixels: the pixels' CRC-32 refuses it
    header = 6 + 4 + 4
    with pytest.raises((ChecksumError, FormatError)):
        body = bytearray(data[:-4])
        body[header + 4 + 5] ^= 0x40
        conv_codec.decode(bytes(body) + zlib.crc32(body).to_bytes(4, "little"))


def test_damaged_codec_files_raise_fastzip_errors(dense_codec):
    blob = dense_codec.dumps()
    for cut in range(0, len(blob), max(1, len(blob) // 97)):
        with pytest.raises(FastzipError):
            Codec.loads(blob[:cut])
    counts = outcomes(Codec.loads, mutants(blob, np.random.default_rng(7), 60))
    assert counts["ok"] == 0


def test_the_command_line_trains_encodes_decodes_and_describes(tmp_path, digits, capsys):
    from fastzip.cli import main

    np.save(tmp_path / "d.npy", digits[:40])
    codec, codes = tmp_path / "d.fzc", tmp_path / "d.fza"
    assert main(["ae", "train", str(tmp_path / "d.npy"), "-o", str(codec), "--model", "dense", "--steps", "30"]) == 0
    assert main(["ae", "encode", str(codec), str(tmp_path / "d.npy"), "-o", str(codes), "--lossless"]) == 0
    assert main(["ae", "decode", str(codec), str(codes), "-o", str(tmp_path / "out.npy")]) == 0
    assert np.array_equal(np.load(tmp_path / "out.npy"), digits[:40])
    assert main(["ae", "decode", str(codec), str(codes), "-o", str(tmp_path / "pngs")]) == 0
    from PIL import Image

    assert np.array_equal(np.asarray(Image.open(tmp_path / "pngs" / "00007.png")), digits[7])
    assert main(["ae", "info", str(codes)]) == 0 and "40 images, lossless" in capsys.readouterr().out
    assert main(["ae", "info", str(codec)]) == 0 and "dense" in capsys.readouterr().out
    # a folder of images of two sizes: a clear error, exit status 1
    Image.fromarray(np.zeros((9, 8), np.uint8)).save(tmp_path / "pngs" / "zz.png")
    assert main(["ae", "encode", str(codec), str(tmp_path / "pngs"), "-o", str(codes)]) == 1
    assert "one size" in capsys.readouterr().err


def test_golden_codes_of_the_first_version_keep_decoding():
    codec = Codec.load(GOLDEN / "ae_v1.fzc")
    expected = np.load(GOLDEN / "ae_v1.npy")
    assert np.array_equal(codec.decode((GOLDEN / "ae_v1_lossless.fza").read_bytes())[..., 0], expected)
    lossy = codec.decode((GOLDEN / "ae_v1_lossy.fza").read_bytes())[..., 0]
    assert np.array_equal(lossy, np.load(GOLDEN / "ae_v1_lossy.npy"))


def test_encoding_and_decoding_never_import_torch():
    import subprocess
    import sys

    code = ("import sys, numpy as np; from fastzip.neural.ae.codec import Codec; "
            f"c = Codec.load({str(GOLDEN / 'ae_v1.fzc')!r}); x = np.load({str(GOLDEN / 'ae_v1.npy')!r}); "
            "assert (c.decode(c.encode(x, lossless=True))[..., 0] == x).all(); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name,shape", [("digits", (8, 8, 1)), ("faces", (25, 25, 1))])
def test_shipped_codecs_load_by_name_and_code_their_kind_of_image(name, shape, digits):
    from fastzip.data import faces

    codec = Codec.load(name)
    assert codec.config.shape == shape and codec.meta["name"] == name and codec.meta["heldout"]["images"] > 0
    images = digits[-30:] if name == "digits" else faces()[0][-10:]
    assert np.array_equal(codec.decode(codec.encode(images, lossless=True))[..., 0], images)
    lossy = codec.decode(codec.encode(images))[..., 0]
    assert train.psnr(lossy, images) > 20


def test_the_command_line_takes_a_shipped_codec_by_name(tmp_path, capsys):
    from fastzip.cli import main

    codes = tmp_path / "d.fza"
    assert main(["ae", "encode", "digits", "builtin:digits", "-o", str(codes)]) == 0
    assert main(["ae", "decode", "digits", str(codes), "-o", str(tmp_path / "d.npy")]) == 0
    assert np.load(tmp_path / "d.npy").shape == (1797, 8, 8)
    assert main(["ae", "info", "digits"]) == 0 and "dense" in capsys.readouterr().out
