"""Distributed training on CPUs with the gloo backend.

MMEngine's ``init_dist('pytorch')`` calls ``torch.cuda.set_device`` and its
default DDP wrapper passes ``device_ids=[LOCAL_RANK]``; both need a GPU. On a
machine without CUDA this initialises a gloo process group from torchrun's
environment before the Runner (which then skips its own initialisation) and
wraps the model with ``device_ids=None``.
"""
import torch
import torch.distributed as torch_dist


def use_gloo_without_cuda(cfg) -> bool:
    """Prepare ``cfg`` for CPU distributed runs; True if it applies."""
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return False
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper.update(device_ids=None, broadcast_buffers=False)
    cfg.model_wrapper_cfg = wrapper
    return True


def close_process_group() -> None:
    """Wait for every rank, then tear the process group down.

    Left to interpreter exit, gloo's threads can abort the process
    ("terminate called without an active exception") after the work is
    done, which torchrun reports as a failure.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
