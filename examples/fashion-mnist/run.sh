#!/bin/sh
# The Fashion-MNIST robustness walkthrough (docs/readme/harden.md), end to end: describe the CNN,
# measure its robustness, harden it with PGD adversarial training (and FGSM training, corruption
# augmentation and Gaussian-noise training for comparison), and measure again. Run from anywhere
# after `npm run build` at the repo root:   sh examples/fashion-mnist/run.sh   (≈ 4 min)
# Set AISF to use another aisf, e.g. AISF=aisf for an installed one.
set -eu
cd "$(dirname "$0")"
AISF=${AISF:-"node ../../bin/aisf.js"}
aisf() { $AISF "$@"; }
# The evaluation PGD of `aisf harden` (20 steps of 2.5·eps/20, no random start), so the numbers
# of `test robustness` and the before/after table of `harden` are the same attack.
ATTACKS="--attack fgsm,pgd --eps 0.05,0.1 --max-iter 20 --eps-step 0.0125"

echo '## 1. the model: a 5,258-parameter CNN trained by aisf (train.ts)'
aisf model info cnn.onnx

echo '## 2. its robustness on the 500 test images: FGSM/PGD and natural corruptions'
aisf test robustness --model cnn.onnx --data test.npz $ATTACKS --corruptions all --severity 3 --format md

echo '## 3. PGD adversarial training (Madry et al.): 5 epochs on the 2,000 training images'
mkdir -p out
aisf harden --model cnn.onnx --data train.npz --method pgd --eps 0.1 --epochs 5 --eval test.npz --out out/cnn-pgd.onnx --format md

echo '## 4. the hardened model, same tests'
aisf test robustness --model out/cnn-pgd.onnx --data test.npz $ATTACKS --corruptions all --severity 3 --format md

echo '## 5. for comparison: FGSM adversarial training (ratio 0.5) and corruption augmentation'
aisf harden --model cnn.onnx --data train.npz --method fgsm --eps 0.1 --epochs 5 --eval test.npz --out out/cnn-fgsm.onnx --format md
aisf harden --model cnn.onnx --data train.npz --method augment --epochs 5 --eval test.npz --out out/cnn-augment.onnx --format md
aisf test robustness --model out/cnn-augment.onnx --data test.npz --attack none --corruptions all --severity 3 --format md

echo '## 6. Gaussian-noise training (Cohen et al.) and randomized-smoothing certification, σ = 0.25'
aisf test robustness --model cnn.onnx --data test.npz --attack none --certify --sigma 0.25 --n 1000 --limit 100 --format md
aisf harden --model cnn.onnx --data train.npz --method noise --sigma 0.25 --epochs 5 --eval test.npz --out out/cnn-noise.onnx --format md
aisf test robustness --model out/cnn-noise.onnx --data test.npz --attack none --certify --sigma 0.25 --n 1000 --limit 100 --format md
