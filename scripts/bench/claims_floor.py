"""The floor of the multi-period claim-line pass (issue #8, point 7): DuckDB, 2 threads, sums
every period's claim lines per (period, person, care type) in one query over all period
folders. Not a test: it prints seconds and the grand total, nothing asserts a time.

    target/bench/venv/bin/python scripts/bench/claims_floor.py target/bench/series-2100000
"""
import sys
import time

import duckdb

series = sys.argv[1]
con = duckdb.connect()
con.execute("SET threads=2")
t = time.time()
groups, total = con.execute(
    f"""
    SELECT count(*), sum(c) FROM (
      SELECT sum(amount_eur) AS c
      FROM read_parquet('{series}/*/zvw_claims.parquet', filename=true)
      GROUP BY filename, person_id, care_type)
    """
).fetchone()
print(f"group by (period, person, care type): {time.time() - t:.1f} s, {groups} groups, € {total:.2f}")
t = time.time()
lines, total = con.execute(
    f"SELECT count(*), sum(amount_eur) FROM read_parquet('{series}/*/zvw_claims.parquet')"
).fetchone()
print(f"bare scan: {time.time() - t:.1f} s, {lines} claim lines, € {total:.2f}")
