//! Numbers as the report writes them: grouped thousands and the decimal mark of the language
//! (`€ 1.234` in Dutch, `€1,234` in English), euros, ratios and percentages.

use super::Lang;

impl Lang {
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
}
