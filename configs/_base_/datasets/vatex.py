# VATEX, HGR split: 25,991 train videos, 1,500 test videos x 10 captions.
# <data_root>/{train,test}_list.txt, vatex_data.json and
# <data_root>/videos/<id>.mp4
_base_ = ['./clip_video_pipelines.py']
data_root = 'data/vatex'
dataset = dict(type='VATEXDataset', data_root=data_root, video_root='videos')

train_dataloader = dict(dataset=dict(**dataset, split='train'))
val_dataloader = dict(dataset=dict(**dataset, split='test'))
test_dataloader = val_dataloader
