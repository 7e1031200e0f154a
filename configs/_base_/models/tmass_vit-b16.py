# T-MASS on CLIP ViT-B/16: the ViT-B/32 model with the other image tower.
_base_ = ['./tmass_vit-b32.py']

model = dict(backbone=dict(model_name='ViT-B-16'))
