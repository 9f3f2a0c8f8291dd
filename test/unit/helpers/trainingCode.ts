/** Model definitions shared by the training-rule tables (written for these tests). */

export const IMPORTS = 'import argparse\nimport torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader, TensorDataset\n';

/** A small CNN: BatchNorm2d over spatial maps, Dropout in the head. */
export const CNN = `
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, 10)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x))).mean((2, 3))
        return self.fc(self.drop(x))
`;

/** An MLP whose BatchNorm1d follows a Linear: one value per channel per sample. */
export const MLP = `
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 64)
        self.bn = nn.BatchNorm1d(64)
        self.fc2 = nn.Linear(64, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc1(x))))
`;

/** A model with LayerNorm only: nothing depends on train/eval mode. */
export const LN_ONLY = `
class Mixer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 64)
        self.norm = nn.LayerNorm(64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc2(self.norm(self.fc1(x)))
`;

/** A model with GroupNorm (affine) and no BatchNorm. */
export const GN = `
class GNNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 32, 3)
        self.gn = nn.GroupNorm(8, 32)

    def forward(self, x):
        return self.gn(self.conv(x))
`;

/** A training loop over `loader` for `model` with `optimizer`. */
export function loop(model = 'model', loader = 'loader', indent = ''): string {
  return [
    `${indent}for epoch in range(10):`,
    `${indent}    for x, y in ${loader}:`,
    `${indent}        loss = nn.functional.cross_entropy(${model}(x), y)`,
    `${indent}        optimizer.zero_grad()`,
    `${indent}        loss.backward()`,
    `${indent}        optimizer.step()`,
    '',
  ].join('\n');
}

/**
 * A WGAN's loop over one loader of batch 4: the generator (no BatchNorm) updated first, every
 * `n_critic` batches in a block that runs its own backward (no accumulation), then the
 * discriminator (BatchNorm2d) at every batch. The loader is on line 30.
 */
export const WGAN = `${IMPORTS}
class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 784))

    def forward(self, z):
        return self.net(z).view(-1, 1, 28, 28)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 16, 3, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc(self.bn(self.conv(x)).mean((2, 3)))


generator = Generator()
discriminator = Discriminator()
optimizer_G = torch.optim.Adam(generator.parameters())
optimizer_D = torch.optim.Adam(discriminator.parameters())
loader = DataLoader(dataset, batch_size=4, shuffle=True)
n_critic = 5
for i, (imgs, _) in enumerate(loader):
    z = torch.randn(imgs.size(0), 16)
    if i % n_critic == 0:
        optimizer_G.zero_grad()
        g_loss = -discriminator(generator(z)).mean()
        g_loss.backward()
        optimizer_G.step()
    optimizer_D.zero_grad()
    d_loss = discriminator(generator(z).detach()).mean() - discriminator(imgs).mean()
    d_loss.backward()
    optimizer_D.step()
`;
