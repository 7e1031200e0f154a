#!/usr/bin/env bash
# Usage: tools/dist_train.sh CONFIG NUM_PROCS [train.py args...]
# One process per GPU (NCCL); on a machine without CUDA, CPU processes
# with gloo.
set -euo pipefail
CONFIG=$1
NPROCS=$2
PORT=${PORT:-29500}
cd "$(dirname "$0")/.."
torchrun --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="$PORT" \
    --nproc_per_node="$NPROCS" \
    tools/train.py "$CONFIG" --launcher pytorch "${@:3}"
