"""Analytic-Gaussian σ reference values from IBM diffprivlib (GaussianAnalytic._find_scale,
Balle & Wang 2018) and the classic Gaussian σ (diffprivlib Gaussian), run unmodified from a local
checkout (nothing copied into aisf). Writes src/data/privacy/mechanisms/fixtures/gaussian.json.

Usage (Debian python3-numpy python3-scipy python3-sklearn):
  python3 scripts/privacy/gaussian_reference.py --diffprivlib /path/to/differential-privacy-library \
      --commit <sha> --out src/data/privacy/mechanisms/fixtures/gaussian.json
Then format it the way the repository lints JSON: npx biome format --write src/data/privacy/mechanisms/fixtures/gaussian.json
"""

import argparse
import json
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--diffprivlib", required=True)
    parser.add_argument("--commit", default=None)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    sys.path.insert(0, args.diffprivlib)
    from diffprivlib.mechanisms import Gaussian, GaussianAnalytic

    analytic = []
    for eps, delta, sens in [(1, 1e-6, 1), (0.5, 1e-5, 1), (2, 1e-5, 3), (0.1, 1e-8, 1), (5, 1e-3, 1), (1, 1e-5, 1)]:
        analytic.append({"epsilon": eps, "delta": delta, "sensitivity": sens,
                         "sigma": GaussianAnalytic(epsilon=eps, delta=delta, sensitivity=sens)._scale})
    classic = []
    for eps, delta, sens in [(0.5, 1e-5, 1), (0.9, 1e-6, 2), (0.1, 1e-8, 1)]:
        classic.append({"epsilon": eps, "delta": delta, "sensitivity": sens,
                        "sigma": Gaussian(epsilon=eps, delta=delta, sensitivity=sens)._scale})
    out = {
        "generator": "scripts/privacy/gaussian_reference.py",
        "source": "IBM/differential-privacy-library diffprivlib/mechanisms/gaussian.py",
        "commit": args.commit,
        "analytic": analytic,
        "classic": classic,
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
