"""The SPEC 3.1 profile in DuckDB SQL on wijkscan's inputs, timed, and checked against wijkscan.

    python duckdb_profile.py INPUT_DIR RUN_DIR START END

Prints one JSON line: the time to merely scan the needed columns (the floor), the time of the
profile query, and the equality check: every cell wijkscan
publishes (not hidden by small-cell suppression) at pc5, buurt, wijk and gemeente level must
equal DuckDB's (money to the cent, ratios to 1e-9 relative), and both must have the same areas.
Exit code 1 when anything differs.
"""

import json
import pathlib
import sys
import time

import duckdb

COLUMNS = [
    "insured_persons", "insured_years", "residents", "zvw_cost_eur", "zvw_cost_per_insured_year",
    "norm_insured_years", "norm_cost_eur", "norm_cost_per_insured_year", "oe_ratio",
    "resultaat_eur", "resultaat_per_insured_year", "wmo_clients", "wmo_clients_per_1000",
    "wmo_cost_eur", "multi_care_persons",
] + [
    f"zvw_{ct}_per_insured_year"
    for ct in ["huisarts", "farmacie", "msz", "ggz_basis", "ggz_specialistisch", "wijkverpleging",
               "fysiotherapie", "paramedisch", "hulpmiddelen", "ziekenvervoer", "kraamzorg",
               "mondzorg", "overig"]
]
MONEY = {"zvw_cost_eur", "norm_cost_eur", "resultaat_eur", "wmo_cost_eur"}


def main() -> int:
    inputs, run, start, end = sys.argv[1:5]
    # A monitoring run's profile holds every period: compare the one asked for.
    period = sys.argv[5] if len(sys.argv) > 5 else None
    of_period = f"AND period = '{period}'" if period else ""
    here = pathlib.Path(__file__).parent
    con = duckdb.connect()
    con.execute("SET threads = 2")

    # The floor: decode every column the profile needs, and nothing more.
    t = time.perf_counter()
    con.execute(f"""
        SELECT min(claim_id), min(person_id), min(service_date), min(care_type), sum(amount_eur)
        FROM read_parquet('{inputs}/zvw_claims.parquet')""").fetchall()
    con.execute(f"""
        SELECT min(person_id), min(pc5), sum(insured_days) FROM read_parquet('{inputs}/insured.parquet')""").fetchall()
    con.execute(f"""
        SELECT min(person_id), min(pc5), min(provision_type), min(start_date), min(end_date), sum(cost_eur)
        FROM read_parquet('{inputs}/wmo_provisions.parquet')""").fetchall()
    scan_s = time.perf_counter() - t

    sql = (here / "profile.sql").read_text().format(dir=inputs, start=start, end=end)
    t = time.perf_counter()
    con.execute(sql)
    rows = con.execute("SELECT count(*) FROM profile_sql").fetchone()[0]
    profile_s = time.perf_counter() - t

    # Equality on every published cell.
    con.execute(f"""
        CREATE TEMP TABLE ws AS SELECT * FROM read_parquet('{run}/profile.parquet')
        WHERE level IN ('pc5', 'buurt', 'wijk', 'gemeente') {of_period}""")
    only_one_side = con.execute("""
        SELECT count(*) FROM ws FULL OUTER JOIN profile_sql d USING (level, area_code)
        WHERE ws.area_code IS NULL OR d.area_code IS NULL""").fetchone()[0]
    compared = 0
    mismatches = []
    for c in COLUMNS:
        tol = ("abs(w.{c} - d.{c}) > 0.005" if c in MONEY
               else "abs(w.{c} - d.{c}) > 1e-9 * greatest(1, abs(d.{c}))").format(c=c)
        n, bad, example = con.execute(f"""
            SELECT count(*) FILTER (WHERE w.{c} IS NOT NULL),
                   count(*) FILTER (WHERE w.{c} IS NOT NULL AND (d.{c} IS NULL OR {tol})),
                   any_value(w.level || ' ' || w.area_code || ': ' || w.{c} || ' vs ' || coalesce(d.{c}::VARCHAR, 'null'))
                       FILTER (WHERE w.{c} IS NOT NULL AND (d.{c} IS NULL OR {tol}))
            FROM ws w JOIN profile_sql d USING (level, area_code)""").fetchone()
        compared += n
        if bad:
            mismatches.append({"column": c, "cells": bad, "example": example})

    print(json.dumps({
        "duckdb": duckdb.__version__,
        "scan_s": round(scan_s, 2),
        "profile_s": round(profile_s, 2),
        "areas": rows,
        "areas_on_one_side_only": only_one_side,
        "cells_compared": compared,
        "mismatches": mismatches,
    }))
    return 0 if not mismatches and only_one_side == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
