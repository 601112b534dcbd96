#!/usr/bin/env bash
# GPU check, one command, unattended, under five minutes, for a machine with Node >= 20 and a GPU
# driver (Vulkan on Linux, Metal on macOS, D3D12 on Windows — no CUDA): installs what the lockfile
# says, then prints the WebGPU adapter, ms per training step on webgpu (Dawn) vs wasm for the course
# convnet (bs 512) and ResNet-18 for CIFAR (bs 128), and how well the first steps' losses agree.
#
#   bench/gpu-check.sh                 full sizes
#   bench/gpu-check.sh --small         small batches (a software adapter such as Mesa's lavapipe)
#   bench/gpu-check.sh --no-install    skip `npm ci` (node_modules already installed)
#   other flags go to bench/gpu-check.ts (--budget SECONDS, default 200; --only convnet|resnet18)
#
# `npm ci --ignore-scripts`: no install script is needed here, and it keeps the optional
# @tensorflow/tfjs-node-gpu from downloading libtensorflow (CUDA 11) for minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
command -v node >/dev/null || { echo "gpu-check: Node.js >= 20 is needed (node not found)" >&2; exit 1; }
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 20 ] || { echo "gpu-check: Node.js >= 20 is needed, found $(node --version)" >&2; exit 1; }
install=1
args=()
for a in "$@"; do
  case "$a" in
    --no-install) install=0 ;;
    *) args+=("$a") ;;
  esac
done
if [ "$install" = 1 ]; then
  echo "gpu-check: npm ci …"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
# the one build step the sources need (skipped with the install scripts): tfjs-core's gradients bundle
[ -f src/backend/vendor/tfjs-core-gradients.js ] || node scripts/vendor-tfjs-gradients.mjs
for pkg in webgpu @tensorflow/tfjs-backend-webgpu; do
  [ -f "node_modules/$pkg/package.json" ] || { echo "gpu-check: the optional package $pkg is not installed (see npm's output above)" >&2; exit 1; }
done
node_modules/.bin/tsx bench/gpu-check.ts ${args[@]+"${args[@]}"}
echo "gpu-check: done in $((SECONDS - start)) s"
