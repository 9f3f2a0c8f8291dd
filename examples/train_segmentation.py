"""A small semantic-segmentation training script with three normalization pitfalls.

- The batch size comes from an argparse default of 2: BatchNorm statistics of two images
  are noisy (bn-tiny-batch).
- validate() relies on torch.no_grad() and never calls model.eval(): BatchNorm and Dropout
  run in training mode during validation (no-grad-without-eval).
- SGD decays every parameter, including BatchNorm's weight and bias (norm-weight-decay).
"""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader


class ConvBNReLU(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class TinyUNet(nn.Module):
    def __init__(self, num_classes=21):
        super().__init__()
        self.enc1 = ConvBNReLU(3, 32)
        self.enc2 = ConvBNReLU(32, 64)
        self.dec = ConvBNReLU(64 + 32, 32)
        self.drop = nn.Dropout2d(0.1)
        self.head = nn.Conv2d(32, num_classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        d = self.dec(torch.cat([F.interpolate(e2, scale_factor=2.0), e1], dim=1))
        return self.head(self.drop(d))


def get_args():
    parser = argparse.ArgumentParser(description="Train TinyUNet")
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--epochs", type=int, default=50)
    return parser.parse_args()


def train_one_epoch(model, loader, optimizer):
    model.train()
    for images, masks in loader:
        loss = F.cross_entropy(model(images), masks, ignore_index=255)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def validate(model, loader):
    total, correct = 0, 0
    with torch.no_grad():
        for images, masks in loader:
            pred = model(images).argmax(1)
            correct += (pred == masks).sum().item()
            total += masks.numel()
    return correct / total


def main():
    args = get_args()
    model = TinyUNet()
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, num_workers=4)
    val_loader = DataLoader(val_set, batch_size=8)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=args.weight_decay)
    for epoch in range(args.epochs):
        train_one_epoch(model, train_loader, optimizer)
        print(f"epoch {epoch}: pixel accuracy {validate(model, val_loader):.3f}")


if __name__ == "__main__":
    main()
