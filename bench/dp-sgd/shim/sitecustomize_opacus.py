"""Makes Opacus (HEAD) importable on Debian python3-torch 1.13: `torch.func` (torch >= 2.0) is the
functorch 1.13 package under its later name (grad, vmap, functional_call); placeholders for names
of newer torch releases follow. Imported by opacus_peer.py before opacus."""
import sys

import torch

if not hasattr(torch, "func"):
    import functorch

    sys.modules["torch.func"] = functorch
    torch.func = functorch

# Opacus registers a grad sampler for nn.RMSNorm (torch ≥ 2.4); a placeholder class keeps the
# registration harmless (the benchmark's CNN has no RMSNorm).
if not hasattr(torch.nn, "RMSNorm"):

    class RMSNorm(torch.nn.Module):  # pragma: no cover - placeholder only
        pass

    torch.nn.RMSNorm = RMSNorm

# Opacus imports FSDP / DTensor names (torch ≥ 2.4) at module level; torch 1.13's
# torch.distributed.fsdp does not even import on Python 3.11. Placeholder modules with
# placeholder classes: nothing in a single-process benchmark is an FSDP module or a DTensor.
import types


class _Placeholder:  # pragma: no cover - never instantiated
    pass


def _module(name, **attrs):
    m = types.ModuleType(name)
    for k, v in attrs.items():
        setattr(m, k, v)
    sys.modules[name] = m
    return m


import torch.distributed  # noqa: E402

_fsdp = _module(
    "torch.distributed.fsdp",
    FSDPModule=_Placeholder,
    MixedPrecisionPolicy=_Placeholder,
    fully_shard=lambda *a, **k: None,
)
torch.distributed.fsdp = _fsdp
_module("torch.distributed._composable")
_module("torch.distributed._composable.fsdp", FSDPModule=_Placeholder)
_tensor = _module("torch.distributed.tensor", DTensor=_Placeholder)
torch.distributed.tensor = _tensor
import contextlib  # noqa: E402

_module(
    "torch.distributed._tensor.experimental",
    implicit_replication=contextlib.nullcontext,
)
