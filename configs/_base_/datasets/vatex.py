# VATEX, HGR split: 25,991 train videos, 1,500 test videos x 10 captions.
# <data_root>/{train,val,test}_list.txt, vatex_data.json and
# <data_root>/videos/<id>.mp4
# Validation (best checkpoint): the HGR val_list.txt (1,500 videos),
# disjoint from test_list.txt.
_base_ = ['./clip_video_pipelines.py']
data_root = 'data/vatex'
dataset = dict(type='VATEXDataset', data_root=data_root, video_root='videos')

train_dataloader = dict(dataset=dict(**dataset, split='train'))
val_dataloader = dict(dataset=dict(**dataset, split='val'))
test_dataloader = dict(dataset=dict(**dataset, split='test'))
