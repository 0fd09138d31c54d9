"""PNG charts beside the comparison tables: bars for things side by side, lines for a sweep."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the file-only backend)

COLOURS = ["#888888", "#4c72b0", "#55a868", "#c44e52", "#8172b2", "#937860"]


def bars(path, values, xlabel, note=lambda label, value: f"{value:.2f}", title=None):
    """Horizontal bars, one per {label: value}, in order, each annotated with note(label, value):
    inside the bar where it is long enough to hold it, after it otherwise, so that no note runs
    past the chart's edge."""
    labels = list(values)
    longest = max(values.values())
    fig, ax = plt.subplots(figsize=(8, 0.8 + 0.55 * len(labels)))
    ax.barh(labels, [values[k] for k in labels], color=COLOURS[:len(labels)])
    for i, label in enumerate(labels):
        value = values[label]
        inside = value > 0.55 * longest
        ax.text(value - 0.01 * longest if inside else value + 0.01 * longest, i, note(label, value),
                va="center", ha="right" if inside else "left", color="white" if inside else "black", fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_xlim(0, longest * 1.5)
    ax.invert_yaxis()
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches="tight")        # long labels and titles kept whole
    plt.close(fig)


def lines(path, xs, series, xlabel, ylabel, title=None):
    """One line per {label: [y for each x]}, x on a log-2 axis (batch sizes). Each point is
    labelled with its value: at each x the highest point's label above it, the others' below
    theirs, so that close series do not write over each other."""
    fig, ax = plt.subplots(figsize=(7, 4))
    top = [max(series, key=lambda label: series[label][i]) for i in range(len(xs))]
    for colour, (label, ys) in zip(COLOURS[1:], series.items()):
        ax.plot(xs, ys, marker="o", color=colour, label=label)
        for i, (x, y) in enumerate(zip(xs, ys)):
            ax.annotate(f"{y:.1f}", (x, y), textcoords="offset points", xytext=(0, 7) if top[i] == label else (0, -14),
                        ha="center", fontsize=8, color=colour)
    ax.set_xscale("log", base=2)
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.set_xlim(xs[0] / 1.4, xs[-1] * 1.4)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, max(max(ys) for ys in series.values()) * 1.25)
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches="tight")        # long labels and titles kept whole
    plt.close(fig)
