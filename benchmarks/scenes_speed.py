"""How fast the street scenes generate: target 10,000 scenes in < 10 s on 2 cores.

Run: .venv/bin/python benchmarks/scenes_speed.py [n]
"""

import os
import sys
import time

from helpers.scenes import generate_scenes


def main(n: int = 10_000) -> None:
    for workers in (1, min(2, os.cpu_count() or 1)):
        t0 = time.perf_counter()
        generate_scenes(n, seed=0, workers=workers)
        dt = time.perf_counter() - t0
        print(f"{n} scenes, {workers} worker(s): {dt:.1f} s ({1000 * dt / n:.2f} ms/scene)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
