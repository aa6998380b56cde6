//! Language of the report and charts: Dutch by default, English on request. Labels live
//! here, in one place per language, and so does the number formatting (`€ 1.234` in Dutch,
//! `€1,234` in English).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Result<Lang, String> {
        match s.to_ascii_lowercase().as_str() {
            "nl" => Ok(Lang::Nl),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown language `{other}`; use `nl` or `en`")),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    /// Picks the Dutch or English text.
    pub fn t(self, nl: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Nl => nl,
            Lang::En => en,
        }
    }

    /// Thousands and decimal separators.
    fn separators(self) -> (char, char) {
        match self {
            Lang::Nl => ('.', ','),
            Lang::En => (',', '.'),
        }
    }

    /// A number with `decimals` decimals and grouped thousands: `12.345,6` / `12,345.6`.
    pub fn number(self, v: f64, decimals: usize) -> String {
        if !v.is_finite() {
            return "–".into();
        }
        let (thousands, decimal) = self.separators();
        let text = format!("{:.*}", decimals, v.abs());
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push(thousands);
            }
            grouped.push(c);
        }
        // No minus sign on a value that rounds to zero.
        let negative = v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
        let sign = if negative { "-" } else { "" };
        if frac.is_empty() {
            format!("{sign}{grouped}")
        } else {
            format!("{sign}{grouped}{decimal}{frac}")
        }
    }

    /// Whole euros: `€ 1.234` / `€1,234`; negative `€ -1.234` / `-€1,234`.
    pub fn euro(self, v: f64) -> String {
        self.euro_decimals(v, 0)
    }

    pub fn euro_decimals(self, v: f64, decimals: usize) -> String {
        let n = self.number(v, decimals);
        match self {
            Lang::Nl => format!("€ {n}"),
            Lang::En => match n.strip_prefix('-') {
                Some(abs) => format!("-€{abs}"),
                None => format!("€{n}"),
            },
        }
    }

    /// A ratio such as O/E with two decimals.
    pub fn ratio(self, v: f64) -> String {
        self.number(v, 2)
    }

    /// A share as a percentage: `12,3%`.
    pub fn percent(self, v: f64) -> String {
        format!("{}%", self.number(100.0 * v, 1))
    }

    /// The name of a level, singular.
    pub fn level(self, level: &str) -> String {
        match (self, level) {
            (_, "pc5") => "pc5".into(),
            (Lang::Nl, "buurt") => "buurt".into(),
            (Lang::Nl, "wijk") => "wijk".into(),
            (Lang::Nl, "gemeente") => "gemeente".into(),
            (Lang::Nl, "total") => "totaal".into(),
            (Lang::En, "buurt") => "neighbourhood (buurt)".into(),
            (Lang::En, "wijk") => "district (wijk)".into(),
            (Lang::En, "gemeente") => "municipality".into(),
            (Lang::En, "total") => "total".into(),
            (_, other) => other.into(),
        }
    }

    /// The name of a care type (SPEC 2.6).
    pub fn care_type(self, ct: &str) -> String {
        let (nl, en) = match ct {
            "huisarts" => ("huisartsenzorg", "GP care"),
            "farmacie" => ("farmacie", "pharmacy"),
            "msz" => ("medisch-specialistische zorg", "hospital care"),
            "ggz_basis" => ("basis-ggz", "basic mental health"),
            "ggz_specialistisch" => ("specialistische ggz", "specialist mental health"),
            "wijkverpleging" => ("wijkverpleging", "district nursing"),
            "fysiotherapie" => ("fysiotherapie", "physiotherapy"),
            "paramedisch" => ("paramedische zorg", "allied health"),
            "hulpmiddelen" => ("hulpmiddelen", "medical aids"),
            "ziekenvervoer" => ("ziekenvervoer", "patient transport"),
            "kraamzorg" => ("kraamzorg", "maternity care"),
            "mondzorg" => ("mondzorg", "dental care"),
            "overig" => ("overig", "other"),
            other => return other.to_string(),
        };
        self.t(nl, en).to_string()
    }

    /// The name of an outlier metric (the `metric` column of `outliers`).
    pub fn metric(self, metric: &str) -> String {
        match metric {
            "oe_norm" => self
                .t("kosten t.o.v. norm (O/E)", "cost vs norm (O/E)")
                .into(),
            "oe_norm_capped" => self
                .t(
                    "kosten t.o.v. norm, afgetopt (O/E)",
                    "cost vs norm, capped (O/E)",
                )
                .into(),
            "wmo_clients_per_1000" => self
                .t(
                    "Wmo-cliënten per 1.000 inwoners",
                    "Wmo clients per 1,000 residents",
                )
                .into(),
            m => match m
                .strip_prefix("zvw_")
                .and_then(|s| s.strip_suffix("_per_insured_year"))
            {
                Some(ct) => format!(
                    "{} {}",
                    self.care_type(ct),
                    self.t("per verzekerdenjaar", "per insured year")
                ),
                None => m.into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_euros_group_with_dots() {
        assert_eq!(Lang::Nl.euro(1234.4), "€ 1.234");
        assert_eq!(Lang::Nl.euro(-1234567.5), "€ -1.234.568");
        assert_eq!(Lang::Nl.euro(999.0), "€ 999");
        assert_eq!(Lang::Nl.euro(-0.2), "€ 0");
        assert_eq!(Lang::Nl.euro_decimals(16014192.5, 2), "€ 16.014.192,50");
    }

    #[test]
    fn english_euros_group_with_commas() {
        assert_eq!(Lang::En.euro(1234.4), "€1,234");
        assert_eq!(Lang::En.euro(-1234.0), "-€1,234");
        assert_eq!(Lang::En.percent(0.1234), "12.3%");
        assert_eq!(Lang::Nl.percent(0.1234), "12,3%");
    }

    #[test]
    fn languages_parse() {
        assert_eq!(Lang::parse("NL"), Ok(Lang::Nl));
        assert!(Lang::parse("de").is_err());
    }
}
