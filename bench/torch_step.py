"""PyTorch side of `npm run bench`: one model's training step (forward, cross-entropy, backward,
SGD with momentum 0.9), timed as tfai's is, printed as one JSON line.

    python3 torch_step.py MODEL BS THREADS STEPS WARMUP [WARMUP_MS]

The warm-up runs at least WARMUP steps and WARMUP_MS milliseconds (as tfai's does), then STEPS
steps are timed.

MODEL is one of course, course-rbn, cifar-cnn, resnet-narrow, resnet18, or torchvision's
tv-resnet18-128, tv-resnet18-224, tv-resnet34-128, tv-resnet34-224 (the same architectures as
bench/models.ts, in NCHW). Run by bench/run.ts when /usr/bin/python3 has torch, with its allocator
tuned (MALLOC_MMAP_MAX_=0, a large MALLOC_TRIM_THRESHOLD_); not needed by the project.
"""
import json
import resource
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

model_name, bs, threads, steps, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
warmup_ms = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
torch.set_num_threads(threads)


class GeneralRelu(nn.Module):
    def forward(self, x):
        return F.leaky_relu(x, 0.1).sub(0.4).clamp_max(6.0)


class RunningBatchNorm(nn.Module):
    """The course's 07_batchnorm RunningBatchNorm (dbias/step version)."""

    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('sums', torch.zeros(1, nf, 1, 1))
        self.register_buffer('sqrs', torch.zeros(1, nf, 1, 1))
        self.register_buffer('batch', torch.tensor(0.))
        self.register_buffer('count', torch.tensor(0.))
        self.register_buffer('step', torch.tensor(0.))
        self.register_buffer('dbias', torch.tensor(0.))

    def update_stats(self, x):
        b, c, h, w = x.shape
        self.sums.detach_()
        self.sqrs.detach_()
        dims = (0, 2, 3)
        s = x.sum(dims, keepdim=True)
        ss = (x * x).sum(dims, keepdim=True)
        c = self.count.new_tensor(x.numel() / c)
        mom1 = 1 - (1 - self.mom) / (b - 1) ** 0.5
        self.mom1 = self.dbias.new_tensor(mom1)
        self.sums.lerp_(s, self.mom1)
        self.sqrs.lerp_(ss, self.mom1)
        self.count.lerp_(c, self.mom1)
        self.dbias = self.dbias * (1 - self.mom1) + self.mom1
        self.batch += b
        self.step += 1

    def forward(self, x):
        if self.training:
            self.update_stats(x)
        sums, sqrs, c = self.sums, self.sqrs, self.count
        if self.step < 100:
            sums = sums / self.dbias
            sqrs = sqrs / self.dbias
            c = c / self.dbias
        means = sums / c
        vars = (sqrs / c).sub_(means * means)
        if bool(self.batch < 20):
            vars.clamp_min_(0.01)
        x = (x - means).div_((vars.add_(self.eps)).sqrt())
        return x.mul_(self.mults).add_(self.adds)


def course(norm):
    nfs = [1, 8, 16, 32, 64, 64]
    layers = []
    for i in range(5):
        ks = 5 if i == 0 else 3
        layers += [nn.Conv2d(nfs[i], nfs[i + 1], ks, padding=ks // 2, stride=2, bias=False), GeneralRelu(), norm(nfs[i + 1])]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def cifar_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 8 * 8, 10))


class BasicBlock(nn.Module):
    def __init__(self, inp, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or inp != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(inp, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, num_blocks, widths):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        layers, inp = [], widths[0]
        for i, (n, w) in enumerate(zip(num_blocks, widths)):
            for j in range(n):
                layers.append(BasicBlock(inp, w, 2 if (j == 0 and i > 0) else 1))
                inp = w
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(inp, 10)

    def forward(self, x):
        out = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.linear(out.mean((2, 3)))


MODELS = {
    'course': (lambda: course(nn.BatchNorm2d), (1, 28, 28)),
    'course-rbn': (lambda: course(RunningBatchNorm), (1, 28, 28)),
    'cifar-cnn': (cifar_cnn, (3, 32, 32)),
    'resnet-narrow': (lambda: ResNet([1, 1, 1, 1], [16, 32, 64, 128]), (3, 32, 32)),
    'resnet18': (lambda: ResNet([2, 2, 2, 2], [64, 128, 256, 512]), (3, 32, 32)),
}


def torchvision_model(name):
    import torchvision
    return lambda: getattr(torchvision.models, name)(num_classes=10)


for arch in ['resnet18', 'resnet34']:
    for px in [128, 224]:
        MODELS[f'tv-{arch}-{px}'] = (torchvision_model(arch), (3, px, px))

build, shape = MODELS[model_name]
torch.manual_seed(0)
m = build()
opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
x = torch.randn(bs, *shape)
y = torch.randint(0, 10, (bs,))


def step():
    loss = F.cross_entropy(m(x), y)
    loss.backward()
    opt.step()
    opt.zero_grad()


t0 = time.perf_counter()
warmup_steps = 0
while warmup_steps < warmup or (time.perf_counter() - t0) * 1000 < warmup_ms:
    step()
    warmup_steps += 1
times = []
for i in range(steps):
    t = time.perf_counter()
    step()
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps({
    'torch': torch.__version__,
    'threads': torch.get_num_threads(),
    'ms': sorted(times)[len(times) // 2],
    'times': times,
    'warmupSteps': warmup_steps,
    'peakRss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
}))
