"""Convert a public T-MASS checkpoint into a tmass_mm (MMEngine) checkpoint.

Usage::

    python tools/model_converters/tmass_official_to_mm.py SRC DST

SRC is a file saved by the public T-MASS trainer (``{'epoch', 'state_dict',
'optimizer'}``, a Hugging Face CLIP under ``clip.``); it is read weights-only
(a file holding code is refused). DST is an MMEngine checkpoint for
``load_from`` / ``tools/test.py`` with the config of the same backbone and
frame count. The mapping lives in ``tmass_mm.converters.official_tmass``.
"""
import argparse
import json
import sys

from tmass_mm.converters import convert_official_checkpoint
from tmass_mm.utils.checkpoint import CheckpointError


def parse_args():
    parser = argparse.ArgumentParser(
        description='Convert a public T-MASS checkpoint to tmass_mm.')
    parser.add_argument('src', help='checkpoint of the public T-MASS code')
    parser.add_argument('dst', help='path of the MMEngine checkpoint to write')
    return parser.parse_args()


def print_summary(meta: dict, dst: str) -> None:
    """Say what was converted, what was dropped and what is missing."""
    print(f'converted {meta["source_file"]} (epoch {meta["source_epoch"]}) '
          f'-> {dst}')
    for group, count in meta['groups'].items():
        print(f'  {group}: {count} official keys converted')
    for key in meta['dropped_keys']:
        print(f'  dropped unused {key}')
    for group in meta['missing_groups']:
        print(f'  WARNING: no {group} weights in the source; the model keeps '
              f'its own initialisation for them')
    print(f'  architecture: {json.dumps(meta["architecture"])}')


def main():
    args = parse_args()
    try:
        meta = convert_official_checkpoint(args.src, args.dst)
    except (FileNotFoundError, CheckpointError, KeyError) as err:
        sys.exit(f'cannot convert {args.src}: {err.args[0]}')
    print_summary(meta, args.dst)


if __name__ == '__main__':
    main()
