//! The one home of input names, column names and the expected schema of each input (SPEC 2).

/// Logical type of a contract column. Files may store a compatible physical type
/// (any integer width for `Int`, integers for `Float`); see `stages::inputs::validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Int,
    Float,
    Date,
    Bool,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Str => "string",
            Kind::Int => "integer",
            Kind::Float => "number",
            Kind::Date => "date (YYYY-MM-DD)",
            Kind::Bool => "boolean (true/false)",
        }
    }
}

/// One column of the contract: its type, whether a value may be null, and whether the column
/// may be left out of the file altogether (then read as all null).
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub nullable: bool,
    /// May be absent from the file (SPEC 2: implies nullable).
    pub optional: bool,
}

/// A column every file of the input has (`nullable`: whether a value may be null).
const fn col(name: &'static str, kind: Kind, nullable: bool) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        nullable,
        optional: false,
    }
}

/// A column a file may leave out; where present its values may be null.
const fn optional(name: &'static str, kind: Kind) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        nullable: true,
        optional: true,
    }
}

/// One input of the data contract.
#[derive(Debug, Clone, Copy)]
pub struct InputSpec {
    /// Contract name, also the file stem: `insured.parquet` or `insured.csv`.
    pub name: &'static str,
    pub columns: &'static [ColumnSpec],
}

impl InputSpec {
    pub fn names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.name).collect()
    }
}

pub const INSURED: InputSpec = InputSpec {
    name: "insured",
    columns: &[
        col("person_id", Kind::Str, false),
        col("pc5", Kind::Str, false),
        col("age", Kind::Int, false),
        col("sex", Kind::Str, false),
        col("gp_practice_id", Kind::Str, true),
        col("insured_days", Kind::Int, false),
        optional("household", Kind::Str),
        optional("education", Kind::Str),
        optional("social_minimum", Kind::Bool),
    ],
};

pub const ZVW_CLAIMS: InputSpec = InputSpec {
    name: "zvw_claims",
    columns: &[
        col("claim_id", Kind::Str, false),
        col("person_id", Kind::Str, false),
        col("service_date", Kind::Date, false),
        col("care_type", Kind::Str, false),
        col("amount_eur", Kind::Float, false),
    ],
};

pub const WMO_PROVISIONS: InputSpec = InputSpec {
    name: "wmo_provisions",
    columns: &[
        col("provision_id", Kind::Str, false),
        col("person_id", Kind::Str, false),
        col("pc5", Kind::Str, false),
        col("provision_type", Kind::Str, false),
        col("start_date", Kind::Date, false),
        col("end_date", Kind::Date, true),
        col("cost_eur", Kind::Float, false),
    ],
};

pub const NORM_COSTS: InputSpec = InputSpec {
    name: "norm_costs",
    columns: &[
        col("pc5", Kind::Str, false),
        col("insured_years", Kind::Float, false),
        col("norm_cost_eur", Kind::Float, false),
    ],
};

pub const AREAS: InputSpec = InputSpec {
    name: "areas",
    columns: &[
        col("pc5", Kind::Str, false),
        col("buurt_code", Kind::Str, false),
        col("buurt_name", Kind::Str, false),
        col("wijk_code", Kind::Str, false),
        col("wijk_name", Kind::Str, false),
        col("gemeente_code", Kind::Str, false),
        col("gemeente_name", Kind::Str, false),
        col("residents", Kind::Int, true),
    ],
};

pub const ALL_INPUTS: [InputSpec; 5] = [INSURED, ZVW_CLAIMS, WMO_PROVISIONS, NORM_COSTS, AREAS];

/// Optional: the GP practices patients are registered with (SPEC 3.7). Without it practices
/// are still profiled by id, located where most of their patients live.
pub const GP_PRACTICES: InputSpec = InputSpec {
    name: "gp_practices",
    columns: &[
        col("practice_id", Kind::Str, false),
        col("practice_name", Kind::Str, false),
        col("pc5", Kind::Str, false),
        optional("location_wijk_code", Kind::Str),
    ],
};

/// Inputs a run uses when present.
pub const OPTIONAL_INPUTS: [InputSpec; 1] = [GP_PRACTICES];

/// Optional map geometry beside the inputs.
pub const GEOMETRY_FILE: &str = "geometry.geojson";

/// Columns the national comparison (`stages::profile::national`, SPEC 3.8) adds to the profile.
pub const EXPECTED_NL: &str = "expected_cost_nl_eur";
pub const OE_NL: &str = "oe_nl";
pub const GEMEENTE_VEKTIS: &str = "gemeente_vektis_cost_per_insured_year";

/// Profile column beside `oe_ratio`: the O/E the outlier flags judge (capped cost per insured
/// year against κ × norm per insured year by default; equal to `oe_ratio` when uncapped).
pub const OE_FOR_FLAGS: &str = "oe_for_flags";

// Derived column names of the person and level frames.

/// The person frame's GP practice key: the AGB code, or one of the practice buckets
/// (`stages::practices`).
pub const PRACTICE: &str = "practice";

/// Cents of one care type per person and per area.
pub fn ct_col(ct: &str) -> String {
    format!("c_{ct}")
}

/// Persons contributing to one care type's cost (net amount not zero to the cent).
pub fn ct_contrib(ct: &str) -> String {
    format!("n_{ct}")
}

/// Whether a person has a counting Wmo provision of one type (person features).
pub fn wmo_type_col(t: &str) -> String {
    format!("wmo_{t}")
}

/// Fixed-point scale of the expected-cost columns (`exp_*`): 1/10,000 euro as integers, so
/// sums over persons are exact (METHODS 2).
pub const EXP_SCALE: f64 = 1e4;
