"""Fine-tuning a pretrained ResNet with a frozen backbone, then exporting it.

- The backbone's parameters are frozen with requires_grad=False, but model.train() keeps its
  BatchNorm layers in training mode: their running statistics drift to the fine-tuning data
  (frozen-bn-finetune).
- Per-epoch evaluation switches to eval() and the training loop never switches back
  (train-not-restored).
- The traced model is exported right after training, still in training mode
  (export-in-train-mode).
"""
import torch
import torchvision
from torch import nn


def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.inference_mode():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
    return correct


model = torchvision.models.resnet50(weights="IMAGENET1K_V2")
for p in model.parameters():
    p.requires_grad = False
model.fc = nn.Linear(model.fc.in_features, 5)
optimizer = torch.optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)
train_loader = torch.utils.data.DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = torch.utils.data.DataLoader(val_set, batch_size=64)

for epoch in range(10):
    for x, y in train_loader:
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(epoch, evaluate(model, val_loader))

model.train()
traced = torch.jit.trace(model, torch.randn(1, 3, 224, 224))
traced.save("deploy/resnet50_finetuned.pt")
