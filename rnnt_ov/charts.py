"""PNG charts beside the comparison tables: bars for things side by side, lines for a sweep."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the file-only backend)

COLOURS = ["#888888", "#4c72b0", "#55a868", "#c44e52", "#8172b2", "#937860"]


def bars(path, values, xlabel, note=lambda label, value: f" {value:.2f}"):
    """Horizontal bars, one per {label: value}, in order, each annotated with note(label, value)."""
    labels = list(values)
    fig, ax = plt.subplots(figsize=(7.5, 0.7 + 0.55 * len(labels)))
    ax.barh(labels, [values[k] for k in labels], color=COLOURS[:len(labels)])
    for i, label in enumerate(labels):
        ax.text(values[label], i, note(label, values[label]), va="center")
    ax.set_xlabel(xlabel)
    ax.set_xlim(0, max(values.values()) * 1.35)
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def lines(path, xs, series, xlabel, ylabel, title=None):
    """One line per {label: [y for each x]}, x on a log-2 axis (batch sizes)."""
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for colour, (label, ys) in zip(COLOURS[1:], series.items()):
        ax.plot(xs, ys, marker="o", color=colour, label=label)
        for x, y in zip(xs, ys):
            ax.annotate(f"{y:.1f}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    ax.set_xscale("log", base=2)
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, max(max(ys) for ys in series.values()) * 1.2)
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
