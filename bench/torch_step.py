"""The same model and SGD step in PyTorch (1 thread), printed as JSON: {bs: median_ms}.

Run by bench/run.ts when /usr/bin/python3 has torch; not needed by the project.
"""
import json, sys, time
import torch
from torch import nn
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
steps, warmup = int(sys.argv[1]), int(sys.argv[2])

class GeneralRelu(nn.Module):
    def forward(self, x):
        return F.leaky_relu(x, 0.1).sub(0.4).clamp_max(6.0)

def conv_layer(ni, nf, ks):
    return nn.Sequential(nn.Conv2d(ni, nf, ks, padding=ks // 2, stride=2, bias=False), GeneralRelu(), nn.BatchNorm2d(nf))

def model():
    nfs = [1, 8, 16, 32, 64, 64]
    layers = [conv_layer(nfs[i], nfs[i + 1], 5 if i == 0 else 3) for i in range(5)]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))

out = {}
for bs in [512, 64]:
    torch.manual_seed(0)
    m = model()
    opt = torch.optim.SGD(m.parameters(), lr=0.4)
    x = torch.randn(bs, 1, 28, 28)
    y = torch.randint(0, 10, (bs,))
    times = []
    for i in range(steps + warmup):
        t = time.perf_counter()
        loss = F.cross_entropy(m(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        if i >= warmup:
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    out[str(bs)] = times[len(times) // 2]
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "ms": out}))
