#!/usr/bin/python3
"""Independent reference profile of the fixture data set.

Reads people.csv and people.jsonl (written by the Go test, see
fixture_test.go) from the folder given as the first argument and prints, per
file and column, the exact statistics the Go profiler is checked against:
counts, nulls, exact distinct counts, min/max/mean/sample std, the lower
empirical quantile on a grid of q = i/1000, equal-width histogram counts and
value frequencies. Uses only the csv and json modules and numpy.
"""
import collections, csv, hashlib, json, os, re, sys

import numpy as np

NULLS = {"", "NA", "N/A", "n/a", "nan", "NaN", "null", "NULL", "Null", "None", "<NA>", "#N/A"}
INT = re.compile(r"^[+-]?[0-9]{1,18}$")
BOOL = {"true", "false"}


def column_stats(values):
    """values: list of str (already flattened), None for missing."""
    vals = [None if v is None else v.strip(" \t") for v in values]
    nonnull = [v for v in vals if v is not None and v not in NULLS]
    out = {"count": len(nonnull), "nulls": len(vals) - len(nonnull)}
    if nonnull and all(v.lower() in BOOL for v in nonnull):
        nonnull = [v.lower() for v in nonnull]
    out["distinct"] = len(set(nonnull))
    numeric = bool(nonnull)
    xs = []
    for v in nonnull:
        try:
            if v.lower() in ("inf", "-inf", "+inf", "infinity", "nan") or "_" in v or "x" in v.lower():
                raise ValueError
            xs.append(float(v))
        except ValueError:
            numeric = False
            break
    if numeric:
        x = np.array(xs, dtype=np.float64)
        integer = all(INT.match(v) for v in nonnull)
        out["min"] = float(x.min())
        out["max"] = float(x.max())
        out["mean"] = float(x.mean())
        out["std"] = float(x.std(ddof=1)) if len(x) > 1 else None
        grid = np.arange(1001) / 1000.0
        out["quantile_grid"] = [float(v) for v in np.quantile(x, grid, method="inverted_cdf")]
        lo, hi = x.min(), x.max()
        if integer and hi - lo < 20:
            edges = np.arange(lo, hi + 2)
        elif lo == hi:
            edges = np.array([lo, hi])
        else:
            edges = np.linspace(lo, hi, 21)
        counts, edges = np.histogram(x, bins=edges)
        out["histogram"] = [int(c) for c in counts]
        out["edges"] = [float(e) for e in edges]
    else:
        out["top"] = [{"value": v, "count": c} for v, c in collections.Counter(nonnull).most_common()[:50]]
    return out


def profile_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], [r for r in rows[1:] if r]
    cols = {name: column_stats([r[i] for r in body]) for i, name in enumerate(header)}
    return len(body), cols, header


def flatten(obj, prefix, out):
    for k, v in obj.items():
        name = prefix + k
        if isinstance(v, dict):
            flatten(v, name + ".", out)
        elif v is None:
            out[name] = None
        elif isinstance(v, bool):
            out[name] = "true" if v else "false"
        elif isinstance(v, list):
            out[name] = json.dumps(v, separators=(",", ":"), ensure_ascii=False)
        else:
            out[name] = v  # str; numbers arrive as their JSON text


def profile_jsonl(path):
    records, order = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            flat = {}
            flatten(json.loads(line, parse_int=str, parse_float=str), "", flat)
            for k in flat:
                if k not in order:
                    order.append(k)
            records.append(flat)
    cols = {k: column_stats([r.get(k) for r in records]) for k in order}
    return len(records), cols, order


def main():
    folder = sys.argv[1]
    files = {}
    for name, fn in (("people.csv", profile_csv), ("people.jsonl", profile_jsonl)):
        path = os.path.join(folder, name)
        data = open(path, "rb").read()
        rows, cols, order = fn(path)
        files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "rows": rows, "bytes": len(data), "order": order, "columns": cols}
    json.dump({"files": files}, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
