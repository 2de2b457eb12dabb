"""Time against fleet size for both tools, one panel per phase: docs/benchmarks/fleet.png.
Run by bench/fleet-bench.ts with Debian's python3-matplotlib: plot.py RESULTS.json OUT.png"""
import json
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

results = json.load(open(sys.argv[1]))
samples = results["samples"]
panels = [("first", "first run (Codex in npm cache)"), ("noop-preview", "no-op preview / --check"), ("noop-run", "no-op run"), ("drift", "drift repair, 1 host of N")]
tools = [("pulumi", "Pulumi (this project)", "tab:purple"), ("ansible", "Ansible playbook", "tab:red")]

fig, axes = plt.subplots(1, len(panels), figsize=(16, 4.2))
for ax, (phase, title) in zip(axes, panels):
    for tool, label, color in tools:
        sizes = sorted({s["n"] for s in samples if s["tool"] == tool and s["phase"] == phase})
        if not sizes:
            continue
        runs = [[s["seconds"] for s in samples if s["tool"] == tool and s["phase"] == phase and s["n"] == n] for n in sizes]
        med = [statistics.median(r) for r in runs]
        ax.plot(sizes, med, marker="o", color=color, label=label)
        ax.fill_between(sizes, [min(r) for r in runs], [max(r) for r in runs], color=color, alpha=0.15)
    ax.set_title(title)
    ax.set_xlabel("hosts (N)")
    ax.set_ylabel("seconds (median, band: min–max)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
axes[0].legend()
fig.suptitle(f"Codex + Connect AI on N SSH hosts, measured {results['date'][:10]}")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
