"""Small config adjustments shared by tools/train.py and tools/test.py."""
import torch

from .trusted_checkpoints import trust_checkpoints_under


def enable_amp(cfg) -> None:
    """Switch the optimiser wrapper to fp16 ``AmpOptimWrapper``.

    MMEngine's AMP wrapper refuses CPUs, so without CUDA this stops with a
    clear message rather than silently training in fp32.
    """
    if not torch.cuda.is_available():
        raise SystemExit(
            '--amp needs a CUDA GPU: MMEngine\'s AmpOptimWrapper does not run '
            'on CPUs. Train without --amp on this machine.')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def trust_run_checkpoints(cfg, *extra_paths: str) -> None:
    """Full unpickling is allowed for the run's own checkpoints (work dir,
    ``--resume`` path, paths the user named) and nothing else."""
    trusted = [cfg.work_dir, *extra_paths]
    if cfg.get('resume') and cfg.get('load_from'):
        trusted.append(cfg.load_from)
    trust_checkpoints_under(trusted)
