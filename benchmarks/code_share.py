"""How much of each chapter page is code a reader sees, against its prose.

share = visible code lines / (visible code lines + prose words / 12), where a prose line is
about 12 words. Visible code: the non-blank source lines of code cells without a tag that
hides or removes their input (hide-input, hide-cell, remove-input, remove-cell). Prose: the
words of the markdown cells, without code fences' contents and without hidden solutions.

    .venv/bin/python benchmarks/code_share.py          # one row per chapter, then the total
"""
import re
import sys
from pathlib import Path

import nbformat

HIDING_TAGS = {"hide-input", "hide-cell", "remove-input", "remove-cell"}
WORDS_PER_LINE = 12
BOOK = Path(__file__).resolve().parents[1] / "book"


def counts(path: Path) -> tuple[int, int, int]:
    """(visible code lines, hidden code lines, prose words) of one notebook."""
    visible = hidden = words = 0
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            lines = sum(1 for line in cell.source.splitlines() if line.strip())
            if HIDING_TAGS & set(cell.metadata.get("tags", [])):
                hidden += lines
            else:
                visible += lines
        elif cell.cell_type == "markdown":
            text = re.sub(r"```.*?```", " ", cell.source, flags=re.S)
            words += len(re.findall(r"\S+", text))
    return visible, hidden, words


def share(visible: int, words: int) -> float:
    return visible / (visible + words / WORDS_PER_LINE)


def main() -> int:
    rows = [(path.stem, *counts(path)) for path in sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))]
    print(f"{'chapter':<30} {'visible':>7} {'hidden':>6} {'words':>6} {'share':>6}")
    for name, visible, hidden, words in rows:
        print(f"{name:<30} {visible:>7} {hidden:>6} {words:>6} {share(visible, words):>6.2f}")
    total_visible = sum(row[1] for row in rows)
    total_words = sum(row[3] for row in rows)
    print(f"{'all chapters':<30} {total_visible:>7} {sum(row[2] for row in rows):>6} "
          f"{total_words:>6} {share(total_visible, total_words):>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
