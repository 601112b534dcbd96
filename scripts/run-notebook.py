"""Execute one notebook with nbclient (used by scripts/notebooks-run.mjs).

    python3 scripts/run-notebook.py IN.ipynb OUT.ipynb KERNEL TIMEOUT

Runs every cell top to bottom in the notebook's folder and writes the executed notebook to OUT.
When a cell fails, OUT holds the notebook as far as it ran, and stderr names the cell and shows
what it printed: the TypeScript kernel reports its errors as output text, not as an error
message, so the output is where the error is. Exit status 1 then.
"""
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main() -> int:
    src, dst, kernel, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        record_timing=False,
        resources={'metadata': {'path': str(Path(src).resolve().parent)}},
    )
    failed = None
    try:
        client.execute()
    except CellExecutionError:
        failed = next((c for c in reversed(nb.cells) if c.cell_type == 'code' and c.get('outputs') is not None and c.get('execution_count')), None)
    nbformat.write(nb, dst)
    if failed is None:
        return 0
    index = nb.cells.index(failed)
    shown = []
    for out in failed.get('outputs', []):
        if out.get('output_type') == 'stream':
            shown.append(out.get('text', ''))
        elif out.get('output_type') == 'error':
            shown.append(f"{out.get('ename')}: {out.get('evalue')}")
    print(f'cell {index + 1} failed:\n{failed.source}\n--- its output:\n{"".join(shown).rstrip()}', file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
