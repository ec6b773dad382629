"""benchmarks/compare_table.py: compare.sh's raw rounds -> the markdown table and its CSV.

    compare_table.py RAW.csv TABLE.csv MACHINE ROUNDS NOTES.txt   (prints the markdown)

RAW rows are figure,impl,round,value. Per figure and implementation: the median of the rounds
and their min-max. "vs best peer" is looplab's median against the best peer's, oriented so
that above 1.00 means looplab is ahead (for time, CPU and memory figures, where lower is
better, it is best peer / looplab; for rates, looplab / best peer). "vs asio" is the same
ratio against the Asio column alone (callbacks on the runtime rows, the C++20-coroutine client
on the HTTP rows), the peer issue 20 sets as the bar on every row.
"""
import csv
import datetime
import statistics
import sys

LOWER_IS_BETTER = ("(ns)", "(us/req)", "(us/conn)", "(s)", "(MiB)")


def versus(mine, theirs, lower):
    """looplab's median against a peer's, above 1.00 when looplab is ahead; "" if either is missing."""
    if not mine or not theirs or mine[0] <= 0 or theirs <= 0:
        return ""
    return f"{(theirs / mine[0]) if lower else (mine[0] / theirs):.2f}"


def main(raw_path, csv_path, machine, rounds, notes_path):
    values = {}  # figure -> impl -> [values]
    figures, impls = [], []
    with open(raw_path) as f:
        for figure, impl, _round, value in csv.reader(f):
            if figure not in figures:
                figures.append(figure)
            if impl not in impls:
                impls.append(impl)
            values.setdefault(figure, {}).setdefault(impl, []).append(float(value))
    peers = [i for i in impls if i != "looplab"]
    rows = []
    for figure in figures:
        lower = figure.endswith(LOWER_IS_BETTER)
        cells = {}
        for impl in impls:
            vs = values[figure].get(impl)
            cells[impl] = (statistics.median(vs), min(vs), max(vs)) if vs else None
        peer_medians = [cells[p][0] for p in peers if cells[p]]
        best = (min(peer_medians) if lower else max(peer_medians)) if peer_medians else None
        ratio = versus(cells.get("looplab"), best, lower)
        against_asio = versus(cells.get("looplab"), cells["asio"][0] if cells.get("asio") else None, lower)
        rows.append((figure, cells, ratio, against_asio))

    def fmt(cell):
        if not cell:
            return "-"
        med, lo, hi = cell
        digits = 0 if med >= 100 else (1 if med >= 10 else 2)
        if lo == hi:
            return f"{med:.{digits}f}"
        return f"{med:.{digits}f} ({lo:.{digits}f}-{hi:.{digits}f})"

    date = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
    print(f"Measured {date} on {machine}; {rounds} round(s), median (min-max).")
    print("vs best peer: above 1.00 means looplab is ahead.\n")
    print("| figure | " + " | ".join(impls) + " | vs best peer | vs asio |")
    print("| --- | " + " | ".join("---:" for _ in impls) + " | ---: | ---: |")
    for figure, cells, ratio, against_asio in rows:
        cols = " | ".join(fmt(cells[i]) for i in impls)
        print(f"| {figure} | {cols} | {ratio} | {against_asio} |")
    with open(notes_path) as f:
        notes = [line.strip() for line in f if line.strip()]
    if notes:
        print("\nNotes:")
        for line in notes:
            print(f"- {line}")
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["figure", "impl", "median", "min", "max", "vs_best_peer", "vs_asio", "machine"])
        for figure, cells, ratio, against_asio in rows:
            for impl in impls:
                if cells[impl]:
                    mine = impl == "looplab"
                    w.writerow([figure, impl, *cells[impl], ratio if mine else "",
                                against_asio if mine else "", machine])


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
