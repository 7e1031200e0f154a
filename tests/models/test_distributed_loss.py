"""Two CPU processes (gloo, MMDistributedDataParallel) × 4 pairs give the
gradients of one process × the same 8 pairs (docs/distributed_training.md):
the losses run over the global batch."""
import os

import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
from mmengine.model import MMDistributedDataParallel
from tiny_models import tiny_retriever_cfg

from tmass_mm.registry import MODELS

PAIRS, FRAMES, WORLD = 8, 4, 2


def build_model():
    torch.manual_seed(0)
    sampler = dict(
        type='StochasticTextSampler',
        radius=dict(type='SimilarityRadius', num_frames=FRAMES, embed_dim=32),
        prior='normal',
        prior_std=0.0)
    model = MODELS.build(
        tiny_retriever_cfg(
            FRAMES, sampler=sampler, support_weight=0.8, kl_weight=0.3))
    with torch.no_grad():  # a radius and neck away from their identity init
        for module in (model.head.sampler, model.neck):
            for param in module.parameters():
                param.add_(0.2 * torch.randn_like(param))
    return model


def make_inputs(rows=slice(None)):
    gen = torch.Generator().manual_seed(1)
    imgs = torch.randn(PAIRS, FRAMES, 3, 32, 32, generator=gen)
    texts = torch.randint(1, 49000, (PAIRS, 77), generator=gen)
    return dict(imgs=imgs[rows], texts=texts[rows])


def gradients(model, inputs):
    losses = model(inputs=inputs, mode='loss')
    loss, _ = model.module.parse_losses(losses) if hasattr(
        model, 'module') else model.parse_losses(losses)
    loss.backward()
    module = getattr(model, 'module', model)
    return {
        name: None if param.grad is None else param.grad.clone()
        for name, param in module.named_parameters()
    }


def train_rank(rank, init_file, out_dir):
    os.environ['OMP_NUM_THREADS'] = '1'
    torch.set_num_threads(1)
    torch_dist.init_process_group(
        'gloo', init_method=f'file://{init_file}', rank=rank, world_size=WORLD)
    rows = slice(rank * PAIRS // WORLD, (rank + 1) * PAIRS // WORLD)
    for gather in (True, False):
        model = build_model()
        model.head.gather_across_ranks = gather
        wrapped = MMDistributedDataParallel(
            model, device_ids=None, broadcast_buffers=False)
        torch.save(
            gradients(wrapped, make_inputs(rows)),
            os.path.join(out_dir, f'gather{int(gather)}_rank{rank}.pt'))
    torch_dist.barrier()
    torch_dist.destroy_process_group()


def relative_errors(actual, expected):
    """Per parameter: ``|a - e| / |e|``. A parameter whose expected gradient
    is zero -- up to float rounding, below 1e-6 of the largest gradient
    norm, like a key bias, which cannot change a softmax -- must have a zero
    or absent gradient too (checked here); returns their names apart."""
    floor = 1e-6 * max(g.norm() for g in expected.values() if g is not None)
    errors, zeros = {}, []
    for name, exp in expected.items():
        act = actual[name]
        if exp is None or exp.norm() < floor:
            assert act is None or act.norm() < floor, name
            zeros.append(name)
            continue
        errors[name] = float((act - exp).norm() / exp.norm())
    return errors, zeros


@pytest.mark.skipif(
    not torch_dist.is_available(), reason='needs torch.distributed')
def test_two_ranks_give_the_gradient_of_the_global_batch(tmp_path):
    mp.spawn(
        train_rank,
        args=(str(tmp_path / 'init'), str(tmp_path)),
        nprocs=WORLD,
        join=True)
    expected = gradients(build_model(), make_inputs())
    tokens = 'backbone.clip.token_embedding.weight'
    unused_tokens = ~expected[tokens].any(dim=1)  # not in any caption
    assert unused_tokens.sum() > 40000
    for rank in range(WORLD):
        gathered = torch.load(
            tmp_path / f'gather1_rank{rank}.pt', weights_only=True)
        errors, zeros = relative_errors(gathered, expected)
        assert len(errors) > 20 and 'neck.k_proj.bias' in zeros
        assert not gathered[tokens][unused_tokens].any()
        worst = max(errors, key=errors.get)
        assert errors[worst] < 1e-4, (worst, errors[worst])
        # local negatives only: not the method's gradient
        local = torch.load(
            tmp_path / f'gather0_rank{rank}.pt', weights_only=True)
        errors, _ = relative_errors(local, expected)
        assert errors['neck.q_proj.weight'] > 1e-2
        assert max(errors.values()) > 0.1
