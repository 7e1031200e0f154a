# tmass_vit-b32_1xb32-12f-5e_vatex.py on 8 GPUs x 4 clips: the same global
# batch of 32, every pair a negative of every other (the loss gathers the
# features of all GPUs). tools/dist_train.sh CONFIG 8
_base_ = ['./tmass_vit-b32_1xb32-12f-5e_vatex.py']
train_dataloader = dict(batch_size=4)
