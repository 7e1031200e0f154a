"""The project's registries: children of MMEngine's, scope ``tmass_mm``.

With ``default_scope='tmass_mm'`` a config builds our parts by bare type name
and the ``locations`` below are imported on first use, so no
``custom_imports`` is needed. Host projects build them with
``dict(_scope_='tmass_mm', type=...)`` or ``type='tmass_mm.X'``.
"""
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry
from mmengine.registry import root as mmengine_root

MODELS = Registry(
    'model',
    parent=MMENGINE_MODELS,
    scope='tmass_mm',
    locations=['tmass_mm.models'])
DATASETS = Registry(
    'dataset',
    parent=MMENGINE_DATASETS,
    scope='tmass_mm',
    locations=['tmass_mm.datasets', 'tmass_mm.demo'])
TRANSFORMS = Registry(
    'transform',
    parent=MMENGINE_TRANSFORMS,
    scope='tmass_mm',
    locations=['tmass_mm.datasets.transforms'])
METRICS = Registry(
    'metric',
    parent=MMENGINE_METRICS,
    scope='tmass_mm',
    locations=['tmass_mm.evaluation'])
LOOPS = Registry(
    'loop',
    parent=MMENGINE_LOOPS,
    scope='tmass_mm',
    locations=['tmass_mm.engine', 'tmass_mm.datasets'])
HOOKS = Registry(
    'hook',
    parent=MMENGINE_HOOKS,
    scope='tmass_mm',
    locations=['tmass_mm.engine', 'tmass_mm.datasets'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler',
    parent=MMENGINE_PARAM_SCHEDULERS,
    scope='tmass_mm',
    locations=['tmass_mm.engine'])
FUNCTIONS = Registry(
    'function',
    parent=MMENGINE_FUNCTIONS,
    scope='tmass_mm',
    locations=['tmass_mm.engine'])

# The rest of MMEngine's registries get a tmass_mm child too, so building
# e.g. the optimiser or the visualiser under default_scope='tmass_mm' finds
# them without a warning.
_EMPTY_CHILDREN = {
    name:
    Registry(
        getattr(mmengine_root, name).name,
        parent=getattr(mmengine_root, name),
        scope='tmass_mm')
    for name in ('RUNNERS', 'RUNNER_CONSTRUCTORS', 'DATA_SAMPLERS',
                 'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'OPTIMIZERS',
                 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'EVALUATOR',
                 'TASK_UTILS', 'VISUALIZERS', 'VISBACKENDS', 'LOG_PROCESSORS',
                 'INFERENCERS', 'STRATEGIES')
}


def build_model_part(cfg):
    """Build a part nested in one of our models (e.g. the head's sampler).

    Unprefixed type names resolve in the ``tmass_mm`` scope even while a
    host project's default scope is active (when the outer model was built
    as ``type='tmass_mm.X'``); ``type='other_scope.Y'`` still works.
    """
    if isinstance(cfg, dict) and '_scope_' not in cfg:
        cfg = {**cfg, '_scope_': 'tmass_mm'}
    return MODELS.build(cfg)
