//! Gemeente names to CBS codes (issue #10): the bundled gemeente list of 2024, names folded to
//! one spelling (capitals, no accents or apostrophes), and the bundled, sourced table of
//! herindelingen that leads a former gemeente to its successor's code.

use std::collections::BTreeMap;

/// The bundled CBS gemeente list (2024).
const GEMEENTEN: &str = include_str!("gemeenten_2024.csv");

/// The bundled table of gemeentelijke herindelingen since 2012 (sources in its header).
const HERINDELINGEN: &str = include_str!("herindelingen.csv");

/// A gemeente of 2011 or later that is gone from the 2024 list.
#[derive(Debug, Clone, PartialEq)]
pub struct Herindeling {
    /// The former name as CBS wrote it.
    pub former: String,
    /// The year from whose 1 January (or during which) it no longer existed.
    pub since: i32,
    /// `merged`, `renamed` or `split`.
    pub kind: String,
    /// The 2024 gemeente(n) it went into (several only when split).
    pub successors: Vec<String>,
    /// The successor's 2024 code; None when split (no single gemeente holds it).
    pub code: Option<String>,
}

/// Folded former name (and Vektis spelling, where folding does not reach it) → herindeling.
/// Successor codes come from the bundled 2024 list by name.
pub fn herindelingen() -> BTreeMap<String, Herindeling> {
    let codes = gemeente_codes();
    let mut out = BTreeMap::new();
    for line in HERINDELINGEN
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("former_name"))
    {
        let f: Vec<&str> = line.split(';').collect();
        // Bundled data: a malformed line is a bug of ours, not an input problem.
        let [former, spelling, since, kind, successors] = f.as_slice() else {
            panic!("herindelingen.csv: `{line}` has not 5 fields");
        };
        let successors: Vec<String> = successors.split('|').map(str::to_string).collect();
        let h = Herindeling {
            former: former.to_string(),
            since: since
                .parse()
                .unwrap_or_else(|_| panic!("herindelingen.csv: year `{since}`")),
            kind: kind.to_string(),
            code: match successors.as_slice() {
                [one] if *kind != "split" => codes.get(&fold(one)).cloned(),
                _ => None,
            },
            successors,
        };
        for key in [fold(former), fold(spelling)] {
            if !key.is_empty() {
                let earlier = out.insert(key.clone(), h.clone());
                assert!(earlier.is_none(), "herindelingen.csv: `{key}` twice");
            }
        }
    }
    out
}

/// A name folded for matching: ASCII capitals, apostrophes, dots, hyphens and brackets as
/// spaces, single spaces.
pub fn fold(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        let c = match ch {
            'á' | 'à' | 'â' | 'ä' | 'Á' | 'Â' | 'Ä' => 'A',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ï' => 'I',
            'ó' | 'ò' | 'ô' | 'ö' | 'Ó' | 'Ô' | 'Ö' => 'O',
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Û' | 'Ü' => 'U',
            'ý' | 'ÿ' => 'Y',
            c if c.is_ascii_alphanumeric() => c.to_ascii_uppercase(),
            _ => ' ',
        };
        out.push(c);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Folded name → CBS code, from the bundled list. CBS adds the province to a few names
/// ("Hengelo (O.)", "Beek (L.)"); Vektis writes them bare (`HENGELO`) or with its own letters
/// (`BERGEN LB`, `BERGEN NH`), and shortens "… c.a." names (`NUENEN CA`). The bare name is an
/// alias where it is unique; the rest are spelled out here, each to a name of the same list.
pub fn gemeente_codes() -> BTreeMap<String, String> {
    let list: Vec<(String, String)> = GEMEENTEN
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("gemeente_code"))
        .filter_map(|l| {
            let (code, name) = l.split_once(';')?;
            Some((code.to_string(), name.to_string()))
        })
        .collect();
    let mut out: BTreeMap<String, String> = list
        .iter()
        .map(|(code, name)| (fold(name), code.clone()))
        .collect();
    let mut bare: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (code, name) in &list {
        if let Some((base, _)) = name.split_once(" (") {
            bare.entry(fold(base)).or_default().push(code);
        }
    }
    for (base, codes) in bare {
        if let [code] = codes.as_slice() {
            out.entry(base).or_insert_with(|| code.to_string());
        }
    }
    const SPELLED: &[(&str, &str)] = &[
        ("BERGEN LB", "Bergen (L.)"),
        ("BERGEN L", "Bergen (L.)"),
        ("BERGEN NH", "Bergen (NH.)"),
        ("NUENEN CA", "Nuenen, Gerwen en Nederwetten"),
    ];
    for (vektis, cbs) in SPELLED {
        if let Some((code, _)) = list.iter().find(|(_, n)| n == cbs) {
            out.insert(vektis.to_string(), code.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_across_spellings() {
        assert_eq!(fold("'s-Gravenhage"), fold("'S-GRAVENHAGE"));
        assert_eq!(fold("'S-GRAVENHAGE"), "S GRAVENHAGE");
        assert_eq!(fold("Súdwest-Fryslân"), "SUDWEST FRYSLAN");
        assert_eq!(fold("Bergen (L.)"), "BERGEN L");
        let codes = gemeente_codes();
        assert_eq!(
            codes.get("S GRAVENHAGE").map(String::as_str),
            Some("GM0518")
        );
        assert_eq!(codes.get("ENSCHEDE").map(String::as_str), Some("GM0153"));
        // 342 gemeenten, plus bare names ("HENGELO" for "Hengelo (O.)") and Vektis spellings.
        assert_eq!(
            codes
                .values()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            342
        );
        assert_eq!(codes.get("HENGELO").map(String::as_str), Some("GM0164"));
        assert_eq!(codes.get("BERGEN LB").map(String::as_str), Some("GM0893"));
        assert!(!codes.contains_key("BERGEN"), "two Bergens: no bare alias");
    }

    /// The table of herindelingen is well formed: every successor is a 2024 gemeente, no former
    /// name is still one, merged and renamed rows have one successor and a code, split rows
    /// several and none, and the years lie between the first Vektis year and 2024.
    #[test]
    fn herindelingen_lead_to_gemeenten_of_2024() {
        let codes = gemeente_codes();
        let table = herindelingen();
        // Every row and every Vektis spelling is a key of its own (none lost or overwritten).
        let (rows, spellings) = HERINDELINGEN
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("former_name"))
            .fold((0, 0), |(r, s), l| {
                (
                    r + 1,
                    s + usize::from(!l.split(';').nth(1).unwrap_or("").is_empty()),
                )
            });
        assert_eq!(table.len(), rows + spellings);
        assert_eq!(rows, 103);
        for (folded, h) in &table {
            assert!(
                !codes.contains_key(folded),
                "`{folded}` is still a gemeente"
            );
            assert!((2012..=2024).contains(&h.since), "{h:?}");
            for s in &h.successors {
                assert!(codes.contains_key(&fold(s)), "successor `{s}` of {h:?}");
            }
            match h.kind.as_str() {
                "merged" | "renamed" => {
                    assert_eq!(h.successors.len(), 1, "{h:?}");
                    assert_eq!(h.code, codes.get(&fold(&h.successors[0])).cloned());
                }
                "split" => {
                    assert!(h.successors.len() >= 2 && h.code.is_none(), "{h:?}")
                }
                other => panic!("kind `{other}` in {h:?}"),
            }
        }
        let code = |n: &str| table.get(n).and_then(|h| h.code.clone());
        assert_eq!(code("AALBURG").as_deref(), Some("GM1959"), "Altena");
        assert_eq!(code("KOLLUMERLAND CA").as_deref(), Some("GM1970"));
        assert_eq!(code("WEESP").as_deref(), Some("GM0363"), "Amsterdam");
        assert_eq!(code("HAAREN"), None, "split over four");
    }
}
