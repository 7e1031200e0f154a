"""A refusal on one rank ends every rank (``rank_agreement``), tested with two
gloo processes."""
import datetime
import json
import socket

import pytest
import torch.distributed as torch_dist
import torch.multiprocessing as mp

from tmass_mm.utils.checkpoint import CheckpointError
from tmass_mm.utils.rank_agreement import fail_together, run_on_every_rank


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def refuse_on_rank_one(rank):
    if rank == 1:
        raise CheckpointError('/data/epoch_3.pth holds code, not only '
                              'tensors: refusing to load it')
    return 'loaded'


def worker(rank, port, out_dir):
    torch_dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=2,
        timeout=datetime.timedelta(seconds=60))
    try:
        outcome = run_on_every_rank(lambda: refuse_on_rank_one(rank),
                                    (CheckpointError, ))
    except CheckpointError as err:
        outcome = f'refused: {err}'
    with open(f'{out_dir}/rank{rank}.json', 'w') as f:
        json.dump(outcome, f)
    torch_dist.destroy_process_group()


def test_a_refusal_on_one_rank_ends_every_rank(tmp_path):
    mp.start_processes(
        worker,
        args=(free_port(), str(tmp_path)),
        nprocs=2,
        join=True,
        start_method='fork')
    outcomes = [
        json.loads((tmp_path / f'rank{rank}.json').read_text())
        for rank in (0, 1)
    ]
    assert outcomes == [
        'refused: rank 1: /data/epoch_3.pth holds code, not only tensors: '
        'refusing to load it',
        'refused: /data/epoch_3.pth holds code, not only tensors: refusing '
        'to load it',
    ]


def test_single_process_keeps_the_error_type():
    with pytest.raises(KeyError, match='neck'):
        fail_together(KeyError('lacks neck.q_proj.weight'))
    fail_together(None)  # nothing failed: nothing raised
    assert run_on_every_rank(lambda: 3, (KeyError, )) == 3
