# Short name of the ViT-B/32 LSMDC recipe, with the published global batch
# of 32 split over however many GPUs run it: 32 per GPU with
# `tools/train.py`, 4 per GPU with `tools/dist_train.sh ... 8` (tools/train.py
# sets train_dataloader.batch_size = global_batch_size / number of GPUs, and
# stops when it does not divide).
_base_ = ['./tmass/tmass_vit-b32_1xb32-12f-5e_lsmdc.py']
global_batch_size = 32
