"""Command-line overrides that a parsed config would otherwise ignore.

A config's top-level variables (``num_frames``, ``data_root``, the base
learning rates, ...) are substituted into the pipelines, datasets and
schedules when the file is parsed. Setting one afterwards with
``--cfg-options`` changes a key nothing reads: :func:`unread_option_warnings`
says so and names the keys to set instead, and :func:`set_data_root` moves
every split's dataset at once.
"""
import inspect
from typing import Iterator, List, Tuple

from mmengine.runner import Runner

LOADER_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# top-level keys read after parsing: by the Runner (its arguments and the
# few it takes from ``cfg``) and by the tools (tools/train.py)
READ_AFTER_PARSING = frozenset(
    set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    | {
        'model_wrapper_cfg', 'sync_bn', 'find_unused_parameters',
        'activation_checkpointing', 'efficient_conv_bn_eval', 'compile',
        'global_batch_size', 'select_on_test'
    })
MAX_LISTED_KEYS = 8


def unread_option_warnings(cfg, options: dict) -> List[str]:
    """One warning per ``--cfg-options`` key that sets a top-level variable
    no key reads after parsing, naming the keys that do take its value.

    Args:
        cfg (Config): the parsed config, before the options are merged.
        options (dict): ``{dotted key: value}`` as ``DictAction`` gives them.
    """
    warnings = []
    for key in options:
        name = key.split('.')[0]
        if name in READ_AFTER_PARSING:
            continue
        if name not in cfg:
            warnings.append(f'--cfg-options {key}: the config has no '
                            f'top-level {name!r} and nothing reads it; the '
                            'option has no effect.')
            continue
        named, same_value = keys_taking_value_of(cfg, name)
        hint = ''
        if named:
            hint = f' Set instead: {_listing(named)}.'
        elif same_value:
            hint = (' Keys holding its value (check which you mean): '
                    f'{_listing(same_value)}.')
        if name == 'data_root':
            hint += ' Or use --data-root, which moves every split.'
        warnings.append(
            f'--cfg-options {key}: {name!r} is a top-level variable that was '
            'substituted where it is used when the config was parsed; '
            'nothing reads it now, so the option has no effect.' + hint)
    return warnings


def keys_taking_value_of(cfg, name: str) -> Tuple[List[str], List[str]]:
    """Dotted keys read after parsing (list items by index) that took
    top-level ``name``'s value: ``(keys named name, keys holding an equal
    value)``; the second is only searched when the first is empty."""
    leaves = [(path, value) for key in cfg if key in READ_AFTER_PARSING
              for path, value in _walk(cfg[key], key)]
    named = [path for path, _ in leaves if path.rsplit('.', 1)[1] == name]
    value = cfg[name]
    if named or value is None or isinstance(value, bool):
        return named, []
    return [], [
        path for path, other in leaves
        if type(other) is type(value) and other == value
    ]


def _listing(keys: List[str]) -> str:
    return ', '.join(keys[:MAX_LISTED_KEYS]) + (', ...' if len(keys)
                                                > MAX_LISTED_KEYS else '')


def _walk(node, prefix: str) -> Iterator[Tuple[str, object]]:
    """``(dotted key, value)`` of every entry under ``node``, outer before
    inner."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, (list, tuple)):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        path = f'{prefix}.{key}'
        yield path, value
        yield from _walk(value, path)


def set_data_root(cfg, data_root: str) -> None:
    """Point the dataset of every split that has one at ``data_root``
    (through dataset wrappers such as ``ConcatDataset``)."""
    for key in LOADER_KEYS:
        loader = cfg.get(key)
        if loader and loader.get('dataset'):
            _set_dataset_root(loader.dataset, data_root)


def _set_dataset_root(dataset: dict, data_root: str) -> None:
    if 'datasets' in dataset:
        for inner in dataset.datasets:
            _set_dataset_root(inner, data_root)
    elif isinstance(dataset.get('dataset'), dict):
        _set_dataset_root(dataset.dataset, data_root)
    else:
        dataset.data_root = data_root
