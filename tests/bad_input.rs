//! One CLI test per kind of bad input: exit code 2, a message naming the file and the column,
//! and no run folder left behind. Each test breaks one thing in a copy of the tiny fixture.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny")
}

/// A copy of the tiny fixture with `edit` applied, run through `wijkscan run`.
fn run_broken(edit: impl FnOnce(&Path)) -> (tempfile::TempDir, std::process::Output, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    for e in std::fs::read_dir(fixture()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), inputs.join(e.file_name())).unwrap();
    }
    edit(&inputs);
    let out = tmp.path().join("run");
    let output = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["run", "--inputs"])
        .arg(&inputs)
        .args(["--period", "2024Q3", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    (tmp, output, out)
}

fn replace(dir: &Path, file: &str, from: &str, to: &str) {
    let p = dir.join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{from} not in {file}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

/// Asserts exit code 2, that stderr names every `needle`, and that no output exists.
fn assert_fails(output: &std::process::Output, out: &Path, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "`{n}` not in: {stderr}");
    }
    assert!(!out.exists(), "a failed run left {}", out.display());
    let parent = out.parent().unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(parent)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "staging folder left behind");
}

#[test]
fn the_tiny_fixture_itself_runs() {
    let (_tmp, output, out) = run_broken(|_| {});
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(out.join("profile.parquet").is_file());
    assert!(out.join("profile.csv").is_file());
    assert!(out.join("manifest.json").is_file());
}

#[test]
fn missing_file() {
    let (_t, o, out) = run_broken(|d| std::fs::remove_file(d.join("norm_costs.csv")).unwrap());
    assert_fails(&o, &out, &["norm_costs", "missing input"]);
}

#[test]
fn missing_column() {
    let (_t, o, out) = run_broken(|d| replace(d, "insured.csv", "insured_days", "days"));
    assert_fails(&o, &out, &["insured.csv", "`insured_days`", "missing"]);
}

#[test]
fn wrong_type() {
    let (_t, o, out) = run_broken(|d| replace(d, "zvw_claims.csv", "100.00", "honderd"));
    assert_fails(
        &o,
        &out,
        &["zvw_claims.csv", "`amount_eur`", "1 row", "row 1"],
    );
}

#[test]
fn wrong_type_in_parquet() {
    let (_t, o, out) = run_broken(|d| {
        // norm_costs as Parquet with insured_years stored as text.
        std::fs::remove_file(d.join("norm_costs.csv")).unwrap();
        let mut df = polars::df!(
            "pc5" => ["7511A"],
            "insured_years" => ["0.4"],
            "norm_cost_eur" => [120.0],
        )
        .unwrap();
        let f = std::fs::File::create(d.join("norm_costs.parquet")).unwrap();
        polars::prelude::ParquetWriter::new(f)
            .finish(&mut df)
            .unwrap();
    });
    assert_fails(
        &o,
        &out,
        &["norm_costs.parquet", "`insured_years`", "expected number"],
    );
}

#[test]
fn empty_file() {
    let (_t, o, out) = run_broken(|d| std::fs::write(d.join("areas.csv"), "").unwrap());
    assert_fails(&o, &out, &["areas.csv", "empty"]);
}

#[test]
fn header_only_file() {
    let (_t, o, out) = run_broken(|d| {
        std::fs::write(d.join("insured.csv"), "person_id,pc5,age,sex,gp_practice_id,insured_days,household,education,social_minimum\n").unwrap()
    });
    assert_fails(&o, &out, &["insured.csv", "no rows"]);
}

#[test]
fn corrupt_parquet() {
    let (_t, o, out) = run_broken(|d| {
        std::fs::remove_file(d.join("areas.csv")).unwrap();
        std::fs::write(
            d.join("areas.parquet"),
            b"PAR1 this is not parquet at all PAR1",
        )
        .unwrap();
    });
    assert_fails(&o, &out, &["areas.parquet", "cannot be read as Parquet"]);
}

#[test]
fn bad_pc5() {
    let (_t, o, out) = run_broken(|d| replace(d, "insured.csv", "p2,7511A", "p2,0511A"));
    assert_fails(&o, &out, &["insured.csv", "`pc5`", "row 2"]);
    // A person's postcode is not repeated in the message (issue 34: no person-level value).
    assert!(!String::from_utf8_lossy(&o.stderr).contains("0511A"));
}

#[test]
fn code_outside_list() {
    let (_t, o, out) = run_broken(|d| replace(d, "zvw_claims.csv", "farmacie", "apotheek"));
    assert_fails(&o, &out, &["zvw_claims.csv", "`care_type`", "code list"]);
}

#[test]
fn wmo_code_outside_list() {
    let (_t, o, out) =
        run_broken(|d| replace(d, "wmo_provisions.csv", "dagbesteding", "dagopvang"));
    assert_fails(
        &o,
        &out,
        &["wmo_provisions.csv", "`provision_type`", "code list"],
    );
}

#[test]
fn age_out_of_range() {
    let (_t, o, out) = run_broken(|d| replace(d, "insured.csv", "p1,7511A,70", "p1,7511A,121"));
    assert_fails(&o, &out, &["insured.csv", "`age`", "0–120"]);
}

#[test]
fn insured_days_beyond_period() {
    let (_t, o, out) = run_broken(|d| {
        replace(
            d,
            "insured.csv",
            "01234567,92,single,low",
            "01234567,93,single,low",
        )
    });
    assert_fails(&o, &out, &["insured.csv", "`insured_days`", "1–92"]);
}

#[test]
fn required_value_missing() {
    let (_t, o, out) = run_broken(|d| replace(d, "insured.csv", "p2,7511A,40,M", "p2,7511A,40,"));
    assert_fails(&o, &out, &["insured.csv", "`sex`", "required"]);
}

#[test]
fn end_before_start() {
    let (_t, o, out) = run_broken(|d| {
        replace(
            d,
            "wmo_provisions.csv",
            "2024-07-01,2024-08-01",
            "2024-07-01,2024-06-01",
        )
    });
    assert_fails(&o, &out, &["wmo_provisions.csv", "`end_date`", "before"]);
}

#[test]
fn negative_wmo_cost() {
    let (_t, o, out) = run_broken(|d| replace(d, "wmo_provisions.csv", ",300", ",-300"));
    assert_fails(&o, &out, &["wmo_provisions.csv", "`cost_eur`", "negative"]);
}

#[test]
fn norm_years_not_positive() {
    let (_t, o, out) = run_broken(|d| replace(d, "norm_costs.csv", "7511A,0.4", "7511A,0"));
    assert_fails(&o, &out, &["norm_costs.csv", "`insured_years`"]);
}

#[test]
fn duplicate_person() {
    let (_t, o, out) = run_broken(|d| replace(d, "insured.csv", "p5,7512A", "p4,7512A"));
    assert_fails(
        &o,
        &out,
        &["insured.csv", "`person_id`", "unique", "2 rows"],
    );
}

#[test]
fn duplicate_area_pc5() {
    let (_t, o, out) = run_broken(|d| replace(d, "areas.csv", "7511B,BU", "7511A,BU"));
    assert_fails(&o, &out, &["areas.csv", "`pc5`", "unique"]);
}

#[test]
fn conflicting_claim_ids() {
    let (_t, o, out) = run_broken(|d| replace(d, "zvw_claims.csv", "c3,p1", "c2,p1"));
    // The lines named by their rows (the id of a person's claim stays out of the error).
    assert_fails(&o, &out, &["zvw_claims.csv", "`claim_id`", "rows 3, 4"]);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("\"c2\""));
}

#[test]
fn many_problems_are_all_reported() {
    let (_t, o, out) = run_broken(|d| {
        replace(d, "insured.csv", "p1,7511A,70", "p1,7511A,121");
        replace(d, "zvw_claims.csv", "farmacie", "apotheek");
        replace(d, "areas.csv", "GM0153", "GM153");
    });
    assert_fails(
        &o,
        &out,
        &["`age`", "`care_type`", "`gemeente_code`", "problems"],
    );
}

#[test]
fn existing_output_needs_force() {
    let (tmp, o, out) = run_broken(|_| {});
    assert_eq!(o.status.code(), Some(0));
    let again = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["run", "--inputs"])
        .arg(tmp.path().join("inputs"))
        .args(["--period", "2024Q3", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let forced = Command::cargo_bin("wijkscan")
        .unwrap()
        .args(["run", "--force", "--inputs"])
        .arg(tmp.path().join("inputs"))
        .args(["--period", "2024Q3", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(forced.status.code(), Some(0));
}

#[test]
fn unknown_pipeline_key() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("p.toml");
    std::fs::write(
        &p,
        "period = \"2024Q3\"\nmincell = 3\n[inputs]\ndir = \"x\"\n",
    )
    .unwrap();
    let o = Command::cargo_bin("wijkscan")
        .unwrap()
        .arg("run")
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("p.toml") && e.contains("mincell"), "{e}");
}

// --- Hardening (issue 15): nothing may vanish from the ledger or be read wrongly. ---

/// An absurd amount (1e17 euros: cents would not fit 64 bits) is refused by name, not lost.
#[test]
fn absurd_claim_amount() {
    let (_t, o, out) = run_broken(|d| replace(d, "zvw_claims.csv", "-40.00", "1e17"));
    assert_fails(
        &o,
        &out,
        &[
            "zvw_claims.csv",
            "`amount_eur`",
            "10.000.000",
            "1 row",
            "row 3",
        ],
    );
}

/// Just inside the limit runs and reconciles; just outside is refused, also for negative lines.
#[test]
fn claim_amount_limit_both_signs() {
    let (_t, o, out) = run_broken(|d| replace(d, "zvw_claims.csv", "-40.00", "-10000000.00"));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.join("manifest.json").is_file());
    let (_t, o, out) = run_broken(|d| replace(d, "zvw_claims.csv", "-40.00", "-10000000.01"));
    assert_fails(&o, &out, &["zvw_claims.csv", "`amount_eur`", "1 row"]);
}

#[test]
fn absurd_wmo_and_norm_amounts() {
    let (_t, o, out) = run_broken(|d| replace(d, "norm_costs.csv", "120.00", "2e9"));
    assert_fails(
        &o,
        &out,
        &["norm_costs.csv", "`norm_cost_eur`", "1.000.000.000"],
    );
    let (_t, o, out) = run_broken(|d| {
        let p = d.join("wmo_provisions.csv");
        let text = std::fs::read_to_string(&p).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        // The last field of the first data row is its cost.
        let row = &mut lines[1];
        let cut = row.rfind(',').unwrap();
        row.replace_range(cut + 1.., "50000000");
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    });
    assert_fails(
        &o,
        &out,
        &["wmo_provisions.csv", "`cost_eur`", "10.000.000"],
    );
}

/// An empty-string id is no id: in CSV (a quoted empty field) and in Parquet.
#[test]
fn blank_required_strings() {
    let (_t, o, out) = run_broken(|d| replace(d, "insured.csv", "p3,", "\"  \","));
    assert_fails(&o, &out, &["insured.csv", "`person_id`", "blank"]);
    let (_t, o, out) = run_broken(|d| {
        std::fs::remove_file(d.join("norm_costs.csv")).unwrap();
        let mut df = polars::df!(
            "pc5" => ["7511A", ""],
            "insured_years" => [0.4, 0.25],
            "norm_cost_eur" => [120.0, 20.0],
        )
        .unwrap();
        let f = std::fs::File::create(d.join("norm_costs.parquet")).unwrap();
        polars::prelude::ParquetWriter::new(f)
            .finish(&mut df)
            .unwrap();
    });
    assert_fails(&o, &out, &["norm_costs.parquet", "`pc5`", "blank", "1 row"]);
}

#[test]
fn duplicated_csv_column() {
    let (_t, o, out) = run_broken(|d| {
        let p = d.join("norm_costs.csv");
        let text = std::fs::read_to_string(&p).unwrap();
        let doubled: Vec<String> = text
            .lines()
            .map(|l| format!("{l},{}", l.split(',').nth(2).unwrap()))
            .collect();
        let mut doubled = doubled;
        doubled[0] = "pc5,insured_years,norm_cost_eur,norm_cost_eur".into();
        std::fs::write(&p, doubled.join("\n") + "\n").unwrap();
    });
    assert_fails(
        &o,
        &out,
        &["norm_costs.csv", "`norm_cost_eur`", "more than once"],
    );
}

/// Excel's Dutch CSV uses `;` (and decimal commas): say so instead of "column missing" nine times.
#[test]
fn semicolon_and_tab_separated_csv() {
    for (sep, word) in [(";", "semicolons"), ("\t", "tabs")] {
        let (_t, o, out) = run_broken(|d| {
            let p = d.join("insured.csv");
            let text = std::fs::read_to_string(&p).unwrap();
            std::fs::write(&p, text.replace(',', sep)).unwrap();
        });
        assert_fails(&o, &out, &["insured.csv", word, "comma-separated"]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!stderr.contains("required column is missing"), "{stderr}");
    }
}

/// The optional GP practice list (SPEC 3.7) is checked like the other inputs.
fn with_practices(dir: &Path, text: &str) {
    std::fs::write(dir.join("gp_practices.csv"), text).unwrap();
}

#[test]
fn practice_list_with_a_bad_agb_code_a_repeated_id_and_a_bad_pc5() {
    let (_tmp, output, out) = run_broken(|d| {
        with_practices(
            d,
            "practice_id,practice_name,pc5,location_wijk_code\n\
             01234567,Praktijk A,7511A,\n\
             01234567,Praktijk A bis,7511A,\n\
             12AB,Praktijk B,7511A,\n\
             01234568,Praktijk C,75110,WK99\n",
        )
    });
    assert_fails(
        &output,
        &out,
        &[
            "gp_practices.csv",
            "column `practice_id`",
            "AGB code",
            "duplicate value",
            "column `pc5`",
            "column `location_wijk_code`",
        ],
    );
}

#[test]
fn practice_list_missing_a_column() {
    let (_tmp, output, out) = run_broken(|d| {
        with_practices(d, "practice_id,pc5\n01234567,7511A\n");
    });
    assert_fails(
        &output,
        &out,
        &["gp_practices.csv", "`practice_name`", "missing"],
    );
}

/// The shipped sample in a temporary folder with the claim lines as CSV (written by polars), and
/// the CSV's lines, for the broken-CSV tests below.
fn sample_with_claims_csv() -> (tempfile::TempDir, PathBuf, Vec<String>) {
    use polars::prelude::*;
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples");
    for e in std::fs::read_dir(samples).unwrap() {
        let e = e.unwrap();
        if e.path().is_file() {
            std::fs::copy(e.path(), inputs.join(e.file_name())).unwrap();
        }
    }
    let parquet = inputs.join("zvw_claims.parquet");
    let mut df = ParquetReader::new(std::fs::File::open(&parquet).unwrap())
        .finish()
        .unwrap();
    std::fs::remove_file(&parquet).unwrap();
    let csv = inputs.join("zvw_claims.csv");
    CsvWriter::new(std::fs::File::create(&csv).unwrap())
        .finish(&mut df)
        .unwrap();
    let lines = std::fs::read_to_string(&csv)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    (tmp, inputs, lines)
}

/// Runs `wijkscan <command>` on `inputs` for 2024Q3 (`run` writes to `<tmp>/run`).
fn wijkscan_on(command: &str, inputs: &Path) -> std::process::Output {
    let mut cmd = Command::cargo_bin("wijkscan").unwrap();
    cmd.args([command, "--inputs"])
        .arg(inputs)
        .args(["--period", "2024Q3"]);
    if command == "run" {
        cmd.arg("--out").arg(inputs.parent().unwrap().join("run"));
    }
    cmd.output().unwrap()
}

/// A claim-lines CSV broken at one line in the middle by `edit`: `validate` and `run` both exit
/// 2 with a short message naming the file and the line (and `needles`), and no id of the file.
fn assert_csv_fault_reported(edit: impl Fn(&str) -> String, needles: &[&str]) {
    let (_tmp, inputs, mut lines) = sample_with_claims_csv();
    let mid = lines.len() / 2;
    lines[mid] = edit(&lines[mid]);
    std::fs::write(inputs.join("zvw_claims.csv"), lines.join("\n") + "\n").unwrap();
    // Claim and person ids of every line: none may be shown.
    let ids: Vec<&str> = lines[1..]
        .iter()
        .flat_map(|l| l.split(',').take(2))
        .map(|id| id.trim_matches('"'))
        .filter(|id| id.len() > 4)
        .collect();
    let line = format!("line {}:", mid + 1);
    for command in ["validate", "run"] {
        let o = wijkscan_on(command, &inputs);
        let stderr = String::from_utf8_lossy(&o.stderr);
        let shown: String = stderr.chars().take(2_000).collect();
        assert_eq!(o.status.code(), Some(2), "{command}: {shown}");
        assert!(
            stderr.len() < 1_000,
            "{command}: {} bytes: {shown}",
            stderr.len()
        );
        for n in ["zvw_claims.csv", line.as_str()].iter().chain(needles) {
            assert!(stderr.contains(n), "{command}: `{n}` not in: {stderr}");
        }
        if let Some(id) = ids.iter().find(|id| stderr.contains(*id)) {
            panic!("{command}: the id `{id}` is shown: {stderr}");
        }
        assert!(!inputs.parent().unwrap().join("run").exists());
    }
}

/// Issue 7a: an unterminated quote gave a 13 MB message repeating the file, ids included.
#[test]
fn csv_with_an_unterminated_quote() {
    assert_csv_fault_reported(
        |l| l.replacen(",P", ",\"P", 1),
        &["unterminated quote", "column `person_id`"],
    );
}

/// Issue 7a: a bare quote gave "expected 0 rows, actual 70868 rows" and no line.
#[test]
fn csv_with_a_quote_inside_an_unquoted_field() {
    assert_csv_fault_reported(
        |l| l.replacen(",P", ",P\"", 1),
        &["quote", "unquoted field", "column `person_id`"],
    );
}

/// Issue 7a: an extra field gave "found more fields than defined in 'Schema'" and no line.
#[test]
fn csv_with_an_extra_field() {
    assert_csv_fault_reported(|l| format!("{l},x"), &["6 fields, the header has 5"]);
}

/// No person-level value in an error (issue 34, point 7): a repeated person id and an absurd
/// amount are named by file, column and row, never by the id or the amount.
#[test]
fn errors_name_rows_not_person_level_values() {
    let (_t, o, out) = run_broken(|d| {
        replace(d, "insured.csv", "\np2,", "\np1,");
        replace(
            d,
            "zvw_claims.csv",
            "c8,p3,2024-07-15,ggz_basis,30.00",
            "c8,p3,2024-07-15,ggz_basis,31415926535",
        );
    });
    assert_fails(
        &o,
        &out,
        &["insured.csv", "`person_id`", "row", "amount_eur"],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        !stderr.contains("\"p1\"") && !stderr.contains("31415926535"),
        "{stderr}"
    );
}

/// Optional columns may be absent, not only null (SPEC 2, issue 31): a practice list of its
/// three required columns, and an insured file without the municipality's three columns, run;
/// the optional columns read as all null.
#[test]
fn optional_columns_may_be_absent() {
    let (_tmp, output, out) = run_broken(|d| {
        with_practices(
            d,
            "practice_id,practice_name,pc5\n01234567,Huisartsen Centrum,7511A\n",
        );
        let p = d.join("insured.csv");
        let text = std::fs::read_to_string(&p).unwrap();
        let cut: Vec<String> = text
            .lines()
            .map(|l| l.split(',').take(6).collect::<Vec<_>>().join(","))
            .collect();
        assert_eq!(cut[0], "person_id,pc5,age,sex,gp_practice_id,insured_days");
        std::fs::write(&p, cut.join("\n") + "\n").unwrap();
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let profile = std::fs::read_to_string(out.join("profile.csv")).unwrap();
    assert!(profile.lines().count() > 1);
    // Each optional column of the practice list absent on its own, and a required one refused.
    for (header, row, ok) in [
        ("practice_id,practice_name,pc5", "01234567,A,7511A", true),
        (
            "practice_id,pc5,location_wijk_code",
            "01234567,7511A,WK015301",
            false,
        ),
    ] {
        let (_tmp, output, out) = run_broken(|d| with_practices(d, &format!("{header}\n{row}\n")));
        assert_eq!(
            output.status.code(),
            Some(if ok { 0 } else { 2 }),
            "{header}"
        );
        if !ok {
            assert_fails(
                &output,
                &out,
                &["`practice_name`", "required column is missing"],
            );
        }
    }
}
