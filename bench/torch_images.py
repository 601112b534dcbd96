"""One measured pass of torchvision's ImageFolder + DataLoader (a child process of bench/images.ts):
Resize(size), RandomCrop(size), RandomHorizontalFlip, ToTensor, batches of `bs`, `workers` worker
processes (persistent). Prints one JSON line: images per second (from the first batch to the last,
as tfai's), CPU ms per image (main process and workers), and peak RSS (main plus each worker's
VmHWM, summed: the kernel's high-water mark of each process)."""
import argparse, json, os, time
import torch
import torchvision.datasets as D
import torchvision.transforms as T

p = argparse.ArgumentParser()
p.add_argument('--dir'); p.add_argument('--workers', type=int, default=1); p.add_argument('--size', type=int, default=128); p.add_argument('--bs', type=int, default=64)
a = p.parse_args()
torch.set_num_threads(1)
tf = T.Compose([T.Resize(a.size), T.RandomCrop(a.size), T.RandomHorizontalFlip(), T.ToTensor()])
ds = D.ImageFolder(os.path.join(a.dir, 'train'), transform=tf)
dl = torch.utils.data.DataLoader(ds, batch_size=a.bs, shuffle=True, num_workers=a.workers, persistent_workers=a.workers > 0)

def proc_cpu_ms(pid):
    with open(f'/proc/{pid}/stat') as f: fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf('SC_CLK_TCK')

def hwm_mb(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmHWM:'): return int(line.split()[1]) / 1024
    return 0.0

it = iter(dl)
xb, yb = next(it)
first = len(xb)
workers = [w.pid for w in getattr(it, '_workers', [])]
t0 = time.perf_counter(); c0 = time.process_time() * 1000 + sum(proc_cpu_ms(w) for w in workers)
n = 0
for xb, yb in it: n += len(xb)
secs = time.perf_counter() - t0
cpu = time.process_time() * 1000 + sum(proc_cpu_ms(w) for w in workers) - c0
# VmHWM, not ru_maxrss: after fork and exec ru_maxrss starts from the parent's peak
rss = hwm_mb(os.getpid()) + sum(hwm_mb(w) for w in workers)
print(json.dumps({'images': n + first, 'imgPerSec': n / secs, 'cpuMsPerImg': cpu / n, 'peakRssMb': rss}))
