"""The recipes' warm-up + cosine schedule works on any training set size."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

from tmass_mm.registry import PARAM_SCHEDULERS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RECIPE = Config.fromfile(
    osp.join(ROOT, 'configs', 'tmass', 'tmass_vit-b32_1xb32-12f-5e_lsmdc.py'))
# schedulers take their first step when built, as in a Runner
pytestmark = pytest.mark.filterwarnings('ignore:Detected call of')
BASE_LR = RECIPE.optim_wrapper.optimizer.lr
START_FACTOR = RECIPE.param_scheduler[0].start_factor


def learning_rates(schedule, epoch_length: int, max_epochs: int = 5):
    """The lr of every training iteration, stepped as MMEngine's
    ParamSchedulerHook steps iteration-based schedulers."""
    weight = torch.nn.Parameter(torch.zeros(1))
    wrapper = OptimWrapper(torch.optim.SGD([weight], lr=BASE_LR))
    with DefaultScope.overwrite_default_scope('tmass_mm'):
        schedulers = [
            PARAM_SCHEDULERS.build(
                copy.deepcopy(cfg),
                default_args=dict(
                    optimizer=wrapper, epoch_length=epoch_length))
            for cfg in schedule
        ]
    rates = []
    for _ in range(max_epochs * epoch_length):
        rates.append(wrapper.param_groups[0]['lr'])
        for scheduler in schedulers:
            scheduler.step()
    return rates


def with_mmengine_types(schedule):
    schedule = copy.deepcopy(schedule)
    schedule[0].type, schedule[1].type = 'LinearLR', 'CosineAnnealingLR'
    return schedule


@pytest.mark.parametrize('epoch_length', [1, 2, 3])
def test_short_epochs_warm_up_to_the_base_lr_then_decay(epoch_length):
    rates = learning_rates(RECIPE.param_scheduler, epoch_length)
    assert rates[0] == pytest.approx(BASE_LR * START_FACTOR)
    assert rates[1] == pytest.approx(BASE_LR)  # two-iteration warm-up
    decay = rates[1:]  # the cosine holds its first value one iteration
    assert all(a >= b for a, b in zip(decay, decay[1:]))
    assert rates[-1] < 0.6 * BASE_LR


@pytest.mark.parametrize('epoch_length', [4, 7, 40])
def test_longer_epochs_keep_mmengines_schedule(epoch_length):
    ours = learning_rates(RECIPE.param_scheduler, epoch_length)
    mmengine = learning_rates(
        with_mmengine_types(RECIPE.param_scheduler), epoch_length)
    assert ours == mmengine
    warmup = int(0.5 * epoch_length)
    assert ours[warmup - 1] == pytest.approx(BASE_LR)
    assert max(ours) == pytest.approx(BASE_LR)


def test_mmengines_own_conversion_fails_or_never_warms_up():
    """What the recipes' schedule did before: why these schedulers exist."""
    with pytest.raises(ValueError, match='end should be larger than begin'):
        learning_rates(with_mmengine_types(RECIPE.param_scheduler), 1)
    stuck = learning_rates(with_mmengine_types(RECIPE.param_scheduler), 2)
    assert max(stuck) < 2 * BASE_LR * START_FACTOR


def test_a_run_too_short_for_both_phases_says_so():
    with pytest.raises(
            ValueError, match='epochs 0.1-1 hold no iteration at 1'):
        schedule = copy.deepcopy(RECIPE.param_scheduler)
        schedule[0].end = schedule[1].begin = 0.1
        schedule[1].end = 1
        learning_rates(schedule, 1, max_epochs=1)
