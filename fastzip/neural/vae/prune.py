"""L1 unstructured pruning of a decoder's Linear and Conv weights (biases are kept).

``scope="global"`` ranks every weight of the module against every other, so the huge Linear
layer, whose weights are small, gives up most; ``"layer"`` prunes each layer by the same
fraction. Masks stay registered (``torch.nn.utils.prune``), so fine-tuning keeps pruned
weights at zero; :func:`make_permanent` folds them in before quantization or saving.
"""

from __future__ import annotations

from torch import nn
from torch.nn.utils import prune as torch_prune

__all__ = ["prune_l1", "prune_to", "split_masks", "make_permanent", "sparsity"]


def _prunable(module: nn.Module):
    return [(m, "weight") for m in module.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]


def prune_l1(module: nn.Module, amount: float, *, scope: str = "global") -> float:
    """Zero the fraction ``amount`` (0..1) of the smallest-magnitude weights not yet pruned;
    returns the sparsity reached."""
    if not 0.0 <= amount < 1.0:
        raise ValueError(f"amount must be in [0, 1), not {amount}")
    params = _prunable(module)
    if scope == "global":
        torch_prune.global_unstructured(params, pruning_method=torch_prune.L1Unstructured, amount=amount)
    elif scope == "layer":
        for m, name in params:
            torch_prune.l1_unstructured(m, name, amount=amount)
    else:
        raise ValueError(f"scope must be 'global' or 'layer', not {scope!r}")
    return sparsity(module)


def prune_to(module: nn.Module, target: float, *, scope: str = "global") -> float:
    """Prune further until ``target`` of the weights are zero (one round of gradual pruning)."""
    if not 0.0 <= target < 1.0:
        raise ValueError(f"target must be in [0, 1), not {target}")
    # torch's amount counts weights not yet masked; weights that are zero without a mask still
    # count as unmasked (and, being smallest, go first).
    params = _prunable(module)
    total = sum(getattr(m, name).numel() for m, name in params)
    masked = sum(int((m.weight_mask == 0).sum()) for m, _ in params if hasattr(m, "weight_mask"))
    wanted = round(target * total) - masked
    if wanted <= 0:
        return sparsity(module)
    return prune_l1(module, wanted / (total - masked), scope=scope)


def split_masks(module: nn.Module) -> tuple[nn.Module, dict]:
    """A copy of ``module`` with its pruning folded in, and the masks by module name.

    (``copy.deepcopy`` refuses pruned modules: their ``weight`` is computed, not a leaf.)
    """
    masks = {name: m.weight_mask.detach().clone() for name, m in module.named_modules() if hasattr(m, "weight_mask")}
    state = {}
    for key, value in module.state_dict().items():
        if key.endswith(".weight_mask"):
            continue
        state[key[: -len("_orig")] if key.endswith(".weight_orig") else key] = value
    for name, mask in masks.items():
        state[f"{name}.weight"] = state[f"{name}.weight"] * mask
    plain = type(module)(module.config)
    plain.load_state_dict(state)
    return plain, masks


def make_permanent(module: nn.Module) -> None:
    """Fold the pruning masks into the weights and drop the re-parametrization."""
    for m, name in _prunable(module):
        if torch_prune.is_pruned(m):
            torch_prune.remove(m, name)


def sparsity(module: nn.Module) -> float:
    """Fraction of zero weights among the prunable (Linear/Conv) weights."""
    zeros = total = 0
    for m, name in _prunable(module):
        w = getattr(m, name)
        zeros += int((w == 0).sum())
        total += w.numel()
    return zeros / total if total else 0.0
