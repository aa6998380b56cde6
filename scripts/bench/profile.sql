-- The profile of SPEC 3.1 at pc5, buurt, wijk and gemeente level, written as plain SQL for DuckDB:
-- what an analyst would otherwise write. scripts/bench/duckdb_profile.py fills in the folder and
-- the period ({dir}, {start}, {end}) and compares the result with wijkscan's profile.parquet.
-- Money is summed in integer cents, as SPEC 3.1 asks.

CREATE OR REPLACE TEMP TABLE profile_sql AS
WITH
ins AS (
    SELECT person_id, pc5, insured_days FROM read_parquet('{dir}/insured.parquet')
),
ar AS (
    SELECT pc5, buurt_code, wijk_code, gemeente_code, residents FROM read_parquet('{dir}/areas.parquet')
),
-- Rows identical in every contract column are one line; then the period.
claims AS (
    SELECT DISTINCT claim_id, person_id, service_date, care_type, amount_eur
    FROM read_parquet('{dir}/zvw_claims.parquet')
),
counting AS (
    SELECT person_id, care_type, CAST(round(amount_eur * 100) AS BIGINT) AS cents
    FROM claims
    WHERE service_date BETWEEN DATE '{start}' AND DATE '{end}'
),
-- One row per (insured person, care type): net cents.
person_care AS (
    SELECT c.person_id, c.care_type, SUM(c.cents) AS cents
    FROM counting c SEMI JOIN ins ON c.person_id = ins.person_id
    GROUP BY ALL
),
wmo AS (
    SELECT person_id, pc5, provision_type, CAST(round(cost_eur * 100) AS BIGINT) AS cents
    FROM read_parquet('{dir}/wmo_provisions.parquet')
    WHERE start_date <= DATE '{end}' AND (end_date IS NULL OR end_date >= DATE '{start}')
),
care_forms AS (
    SELECT person_id, COUNT(*) AS forms FROM (
        SELECT person_id, care_type AS form FROM person_care WHERE cents > 0
        UNION
        SELECT person_id, 'wmo:' || provision_type FROM wmo
    ) GROUP BY person_id
),
person AS (
    SELECT
        i.person_id, i.pc5, i.insured_days,
        COALESCE(SUM(pc.cents), 0) AS zvw_cents,
        COALESCE(SUM(pc.cents) FILTER (WHERE pc.care_type = 'huisarts'), 0) AS c_huisarts,
        COALESCE(SUM(pc.cents) FILTER (WHERE pc.care_type = 'farmacie'), 0) AS c_farmacie,
        COALESCE(SUM(pc.cents) FILTER (WHERE pc.care_type = 'msz'), 0) AS c_msz,
        COALESCE(SUM(pc.cents) FILTER (WHERE pc.care_type = 'ggz_basis'), 0) AS c_ggz_basis,
        COALESCE(SUM(pc.cents) FILTER (WHERE pc.care_type = 'ggz_specialistisch'), 0) AS c_ggz_specialistisch,
        COALESCE(SUM(pc.cents) FILTER (WHERE pc.care_type = 'wijkverpleging'), 0) AS c_wijkverpleging,
        COALESCE(SUM(pc.cents) FILTER (WHERE pc.care_type = 'fysiotherapie'), 0) AS c_fysiotherapie,
        COALESCE(SUM(pc.cents) FILTER (WHERE pc.care_type = 'paramedisch'), 0) AS c_paramedisch,
        COALESCE(SUM(pc.cents) FILTER (WHERE pc.care_type = 'hulpmiddelen'), 0) AS c_hulpmiddelen,
        COALESCE(SUM(pc.cents) FILTER (WHERE pc.care_type = 'ziekenvervoer'), 0) AS c_ziekenvervoer,
        COALESCE(SUM(pc.cents) FILTER (WHERE pc.care_type = 'kraamzorg'), 0) AS c_kraamzorg,
        COALESCE(SUM(pc.cents) FILTER (WHERE pc.care_type = 'mondzorg'), 0) AS c_mondzorg,
        COALESCE(SUM(pc.cents) FILTER (WHERE pc.care_type = 'overig'), 0) AS c_overig,
        COALESCE(ANY_VALUE(cf.forms), 0) AS forms
    FROM ins i
    LEFT JOIN person_care pc ON pc.person_id = i.person_id
    LEFT JOIN care_forms cf ON cf.person_id = i.person_id
    GROUP BY i.person_id, i.pc5, i.insured_days
),
-- Every person and provision tagged with its area at each level.
person_at AS (
    SELECT p.*, lvl.level, lvl.code
    FROM person p JOIN ar USING (pc5)
    CROSS JOIN LATERAL (VALUES ('pc5', ar.pc5), ('buurt', ar.buurt_code), ('wijk', ar.wijk_code), ('gemeente', ar.gemeente_code)) lvl(level, code)
),
wmo_at AS (
    SELECT w.*, lvl.level, lvl.code
    FROM wmo w JOIN ar USING (pc5)
    CROSS JOIN LATERAL (VALUES ('pc5', ar.pc5), ('buurt', ar.buurt_code), ('wijk', ar.wijk_code), ('gemeente', ar.gemeente_code)) lvl(level, code)
),
norm_at AS (
    SELECT lvl.level, lvl.code, SUM(n.insured_years) AS norm_years,
           SUM(CAST(round(n.norm_cost_eur * 100) AS BIGINT)) AS norm_cents
    FROM read_parquet('{dir}/norm_costs.parquet') n JOIN ar USING (pc5)
    CROSS JOIN LATERAL (VALUES ('pc5', ar.pc5), ('buurt', ar.buurt_code), ('wijk', ar.wijk_code), ('gemeente', ar.gemeente_code)) lvl(level, code)
    GROUP BY ALL
),
area_at AS (
    SELECT lvl.level, lvl.code, SUM(ar.residents) AS residents
    FROM ar
    CROSS JOIN LATERAL (VALUES ('pc5', ar.pc5), ('buurt', ar.buurt_code), ('wijk', ar.wijk_code), ('gemeente', ar.gemeente_code)) lvl(level, code)
    GROUP BY ALL
),
zvw_level AS (
    SELECT level, code,
        COUNT(DISTINCT person_id) AS insured_persons,
        SUM(insured_days) AS days,
        SUM(zvw_cents) AS zvw_cents,
        SUM(c_huisarts) AS c_huisarts, SUM(c_farmacie) AS c_farmacie, SUM(c_msz) AS c_msz,
        SUM(c_ggz_basis) AS c_ggz_basis, SUM(c_ggz_specialistisch) AS c_ggz_specialistisch,
        SUM(c_wijkverpleging) AS c_wijkverpleging, SUM(c_fysiotherapie) AS c_fysiotherapie,
        SUM(c_paramedisch) AS c_paramedisch, SUM(c_hulpmiddelen) AS c_hulpmiddelen,
        SUM(c_ziekenvervoer) AS c_ziekenvervoer, SUM(c_kraamzorg) AS c_kraamzorg,
        SUM(c_mondzorg) AS c_mondzorg, SUM(c_overig) AS c_overig,
        COUNT(*) FILTER (WHERE forms >= 3) AS multi_care_persons
    FROM person_at GROUP BY level, code
),
wmo_level AS (
    SELECT level, code, COUNT(DISTINCT person_id) AS wmo_clients, SUM(cents) AS wmo_cents
    FROM wmo_at GROUP BY level, code
)
SELECT
    a.level, a.code AS area_code,
    COALESCE(z.insured_persons, 0) AS insured_persons,
    COALESCE(z.days, 0) / 365.0 AS insured_years,
    a.residents,
    COALESCE(z.zvw_cents, 0) / 100.0 AS zvw_cost_eur,
    z.zvw_cents / 100.0 / NULLIF(z.days / 365.0, 0) AS zvw_cost_per_insured_year,
    n.norm_years AS norm_insured_years,
    n.norm_cents / 100.0 AS norm_cost_eur,
    n.norm_cents / 100.0 / NULLIF(n.norm_years, 0) AS norm_cost_per_insured_year,
    -- SPEC 3.1 (round 2): compared per insured year, resultaat_eur scaled to the area's own.
    (z.zvw_cents / 100.0 / NULLIF(z.days / 365.0, 0))
        / NULLIF(n.norm_cents / 100.0 / NULLIF(n.norm_years, 0), 0) AS oe_ratio,
    (n.norm_cents / 100.0 / NULLIF(n.norm_years, 0)
        - z.zvw_cents / 100.0 / NULLIF(z.days / 365.0, 0)) * (z.days / 365.0) AS resultaat_eur,
    n.norm_cents / 100.0 / NULLIF(n.norm_years, 0)
        - z.zvw_cents / 100.0 / NULLIF(z.days / 365.0, 0) AS resultaat_per_insured_year,
    COALESCE(w.wmo_clients, 0) AS wmo_clients,
    1000.0 * COALESCE(w.wmo_clients, 0) / NULLIF(a.residents, 0) AS wmo_clients_per_1000,
    COALESCE(w.wmo_cents, 0) / 100.0 AS wmo_cost_eur,
    COALESCE(z.multi_care_persons, 0) AS multi_care_persons,
    z.c_huisarts / 100.0 / NULLIF(z.days / 365.0, 0) AS zvw_huisarts_per_insured_year,
    z.c_farmacie / 100.0 / NULLIF(z.days / 365.0, 0) AS zvw_farmacie_per_insured_year,
    z.c_msz / 100.0 / NULLIF(z.days / 365.0, 0) AS zvw_msz_per_insured_year,
    z.c_ggz_basis / 100.0 / NULLIF(z.days / 365.0, 0) AS zvw_ggz_basis_per_insured_year,
    z.c_ggz_specialistisch / 100.0 / NULLIF(z.days / 365.0, 0) AS zvw_ggz_specialistisch_per_insured_year,
    z.c_wijkverpleging / 100.0 / NULLIF(z.days / 365.0, 0) AS zvw_wijkverpleging_per_insured_year,
    z.c_fysiotherapie / 100.0 / NULLIF(z.days / 365.0, 0) AS zvw_fysiotherapie_per_insured_year,
    z.c_paramedisch / 100.0 / NULLIF(z.days / 365.0, 0) AS zvw_paramedisch_per_insured_year,
    z.c_hulpmiddelen / 100.0 / NULLIF(z.days / 365.0, 0) AS zvw_hulpmiddelen_per_insured_year,
    z.c_ziekenvervoer / 100.0 / NULLIF(z.days / 365.0, 0) AS zvw_ziekenvervoer_per_insured_year,
    z.c_kraamzorg / 100.0 / NULLIF(z.days / 365.0, 0) AS zvw_kraamzorg_per_insured_year,
    z.c_mondzorg / 100.0 / NULLIF(z.days / 365.0, 0) AS zvw_mondzorg_per_insured_year,
    z.c_overig / 100.0 / NULLIF(z.days / 365.0, 0) AS zvw_overig_per_insured_year
FROM area_at a
LEFT JOIN zvw_level z USING (level, code)
LEFT JOIN wmo_level w USING (level, code)
LEFT JOIN norm_at n USING (level, code);
