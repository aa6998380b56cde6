//! A segment's filter in words for the council ("75+, alleen wonend, ≥ 3 zorgvormen"): the
//! filter is read as AND of OR-lists of simple comparisons (what the built-in segments and the
//! regression tree's proposals are), each feature's allowed values intersected over the
//! conjuncts, and every feature said once. A filter outside that shape gets no words (the
//! report then shows only the filter).

use crate::text::labels::Label;
use crate::text::Lang;
use std::collections::BTreeMap;

/// A categorical feature's null, among its allowed texts.
const UNKNOWN: &str = "\u{0}null";

/// Integer features and the largest value they take.
const NUMERIC: [(&str, i64); 2] = [("age", 120), ("care_forms", 20)];

#[derive(Debug, Clone, PartialEq)]
enum Allowed {
    /// Allowed integers of a numeric feature.
    Ints(Vec<bool>),
    /// Allowed texts of a categorical feature.
    Texts(Vec<String>),
    /// A yes/no feature (a bare name, or a cost `> 0` / `<= 0`).
    Flag(bool),
}

/// Splits on a keyword at parenthesis depth 0, keeping `BETWEEN a AND b` whole.
fn split_top(s: &str, word: &str) -> Vec<String> {
    let tokens: Vec<&str> = s.split_whitespace().collect();
    let mut parts = vec![String::new()];
    let (mut depth, mut between) = (0i32, false);
    for t in tokens {
        let opens = t.matches('(').count() as i32 - t.matches(')').count() as i32;
        if depth == 0 && t == word && !(word == "AND" && between) {
            parts.push(String::new());
            continue;
        }
        if t == "BETWEEN" {
            between = true;
        } else if t == "AND" && between {
            between = false;
        }
        let p = parts.last_mut().expect("one part");
        if !p.is_empty() {
            p.push(' ');
        }
        p.push_str(t);
        depth += opens;
    }
    parts.into_iter().map(|p| p.trim().to_string()).collect()
}

fn strip_parens(s: &str) -> &str {
    let s = s.trim();
    if s.starts_with('(') && s.ends_with(')') {
        // Only when the outer pair encloses everything.
        let mut depth = 0;
        for (i, c) in s.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 && i < s.len() - 1 {
                return s;
            }
        }
        return strip_parens(&s[1..s.len() - 1]);
    }
    s
}

/// One comparison as (feature, allowed values); None when it is not one we can say.
fn atom(s: &str) -> Option<(String, Allowed)> {
    let t: Vec<&str> = s.split_whitespace().collect();
    let name = t.first()?.to_string();
    let max = NUMERIC.iter().find(|(n, _)| *n == name).map(|(_, m)| *m);
    let ints = |f: &dyn Fn(i64) -> bool| {
        let max = max.unwrap_or(0);
        Allowed::Ints((0..=max).map(f).collect())
    };
    let num = |i: usize| t.get(i)?.parse::<i64>().ok();
    // `x IN ('a', 'b')`: the listed texts.
    if t.get(1) == Some(&"IN") && max.is_none() {
        let list = t[2..].join(" ");
        let inner = list.trim().strip_prefix('(')?.strip_suffix(')')?;
        let values: Vec<String> = inner
            .split(',')
            .map(|v| v.trim().trim_matches('\'').to_string())
            .collect();
        return Some((name, Allowed::Texts(values)));
    }
    match (t.len(), max) {
        (1, None) => Some((name, Allowed::Flag(true))),
        (2, None) if name == "NOT" => Some((t[1].to_string(), Allowed::Flag(false))),
        // A yes/no column that may be unknown: its values as texts, so "or unknown" reads.
        (3, None) if t[2] == "true" || t[2] == "false" => {
            (t[1] == "=").then(|| (name, Allowed::Texts(vec![t[2].to_string()])))
        }
        // Not recorded: said as "unknown" among the texts.
        (3, None) if t[1] == "IS" && t[2] == "NULL" => {
            Some((name, Allowed::Texts(vec![UNKNOWN.to_string()])))
        }
        (3, None) if t[2].starts_with('\'') => (t[1] == "=").then(|| {
            (
                name,
                Allowed::Texts(vec![t[2].trim_matches('\'').to_string()]),
            )
        }),
        (3, None) if name.starts_with("zvw_") && t[2] == "0" => match t[1] {
            ">" => Some((name, Allowed::Flag(true))),
            "<=" => Some((name, Allowed::Flag(false))),
            _ => None,
        },
        (3, Some(_)) => {
            let v = num(2)?;
            let f: Box<dyn Fn(i64) -> bool> = match t[1] {
                "=" => Box::new(move |x| x == v),
                ">=" => Box::new(move |x| x >= v),
                ">" => Box::new(move |x| x > v),
                "<=" => Box::new(move |x| x <= v),
                "<" => Box::new(move |x| x < v),
                _ => return None,
            };
            Some((name, ints(&*f)))
        }
        (5, Some(_)) if t[1] == "BETWEEN" && t[3] == "AND" => {
            let (a, b) = (num(2)?, num(4)?);
            Some((name, ints(&|x| x >= a && x <= b)))
        }
        _ => None,
    }
}

fn union(a: Allowed, b: Allowed) -> Option<Allowed> {
    match (a, b) {
        (Allowed::Ints(x), Allowed::Ints(y)) => Some(Allowed::Ints(
            x.iter().zip(&y).map(|(p, q)| *p || *q).collect(),
        )),
        (Allowed::Texts(mut x), Allowed::Texts(y)) => {
            x.extend(y);
            Some(Allowed::Texts(x))
        }
        _ => None,
    }
}

fn intersect(a: Allowed, b: Allowed) -> Option<Allowed> {
    match (a, b) {
        (Allowed::Ints(x), Allowed::Ints(y)) => Some(Allowed::Ints(
            x.iter().zip(&y).map(|(p, q)| *p && *q).collect(),
        )),
        (Allowed::Texts(x), Allowed::Texts(y)) => Some(Allowed::Texts(
            x.into_iter().filter(|v| y.contains(v)).collect(),
        )),
        (Allowed::Flag(x), Allowed::Flag(y)) => (x == y).then_some(Allowed::Flag(x)),
        _ => None,
    }
}

fn l(lang: Lang, nl: &'static str, en: &'static str) -> String {
    lang.l(Label { nl, en }).to_string()
}

/// Allowed integers as ranges: "75+", "16–17", "3".
fn ranges(allowed: &[bool]) -> Vec<(usize, Option<usize>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < allowed.len() {
        if allowed[i] {
            let start = i;
            while i + 1 < allowed.len() && allowed[i + 1] {
                i += 1;
            }
            out.push((start, (i + 1 < allowed.len()).then_some(i)));
        }
        i += 1;
    }
    out
}

fn say(name: &str, a: &Allowed, lang: Lang) -> Option<String> {
    Some(match (name, a) {
        ("age", Allowed::Ints(v)) => {
            let parts: Vec<String> = ranges(v)
                .into_iter()
                .map(|r| match r {
                    (0, Some(b)) => format!("{} {}", l(lang, "jonger dan", "under"), b + 1),
                    (a, None) => format!("{a}+"),
                    (a, Some(b)) if a == b => format!("{a} {}", l(lang, "jaar", "years")),
                    (a, Some(b)) => format!("{a}–{b} {}", l(lang, "jaar", "years")),
                })
                .collect();
            parts.join(&format!(" {} ", l(lang, "of", "or")))
        }
        ("care_forms", Allowed::Ints(v)) => {
            let parts: Vec<String> = ranges(v)
                .into_iter()
                .map(|r| match r {
                    (a, None) => format!("≥ {a}"),
                    (a, Some(b)) if a == b => a.to_string(),
                    (a, Some(b)) => format!("{a}–{b}"),
                })
                .collect();
            let one = parts.len() == 1 && parts[0] == "1";
            format!(
                "{} {}",
                parts.join(&format!(" {} ", l(lang, "of", "or"))),
                if one {
                    l(lang, "zorgvorm", "kind of care")
                } else {
                    l(lang, "zorgvormen", "kinds of care")
                }
            )
        }
        // The contract has no unknown sex (SPEC 2.1): a tree's "or unknown" adds no one.
        ("sex", Allowed::Texts(v)) => {
            let known: Vec<&String> = v.iter().filter(|x| *x != UNKNOWN).collect();
            match known.as_slice() {
                [x] if x.as_str() == "V" => l(lang, "vrouwen", "women"),
                [x] if x.as_str() == "M" => l(lang, "mannen", "men"),
                [] => l(lang, "geslacht onbekend", "sex unknown"),
                // Both sexes: everyone, nothing to say.
                [_, _] => String::new(),
                _ => return None,
            }
        }
        ("household", Allowed::Texts(v)) if !v.is_empty() => {
            let parts: Vec<String> = v
                .iter()
                .map(|x| match x.as_str() {
                    "single" => l(lang, "alleen wonend", "living alone"),
                    "couple" => l(lang, "samenwonend", "living with a partner"),
                    "couple_children" => l(lang, "gezin met kinderen", "couple with children"),
                    "single_parent" => l(lang, "eenoudergezin", "single parent"),
                    UNKNOWN => l(lang, "huishouden onbekend", "household unknown"),
                    other => other.replace('_', " "),
                })
                .collect();
            parts.join(&format!(" {} ", l(lang, "of", "or")))
        }
        ("education", Allowed::Texts(v)) if !v.is_empty() => {
            let parts: Option<Vec<String>> = v
                .iter()
                .map(|x| {
                    Some(match x.as_str() {
                        "low" => l(lang, "laag opgeleid", "low education"),
                        "middle" => l(lang, "middelbaar opgeleid", "middle education"),
                        "high" => l(lang, "hoog opgeleid", "high education"),
                        UNKNOWN => l(lang, "opleiding onbekend", "education unknown"),
                        _ => return None,
                    })
                })
                .collect();
            parts?.join(&format!(" {} ", l(lang, "of", "or")))
        }
        ("wmo", Allowed::Flag(true)) => l(lang, "met Wmo-ondersteuning", "with Wmo support"),
        ("wmo", Allowed::Flag(false)) => l(lang, "zonder Wmo-ondersteuning", "without Wmo support"),
        ("social_minimum", Allowed::Flag(true)) => {
            l(lang, "rond het sociaal minimum", "at the social minimum")
        }
        ("social_minimum", Allowed::Texts(v)) if !v.is_empty() => {
            let parts: Option<Vec<String>> = v
                .iter()
                .map(|x| {
                    Some(match x.as_str() {
                        "true" => l(lang, "rond het sociaal minimum", "at the social minimum"),
                        "false" => l(
                            lang,
                            "boven het sociaal minimum",
                            "above the social minimum",
                        ),
                        UNKNOWN => l(lang, "inkomen onbekend", "income unknown"),
                        _ => return None,
                    })
                })
                .collect();
            parts?.join(&format!(" {} ", l(lang, "of", "or")))
        }
        ("high_cost", Allowed::Flag(true)) => l(lang, "hoge kosten", "high cost"),
        ("high_cost", Allowed::Flag(false)) => l(lang, "zonder hoge kosten", "without high cost"),
        (n, Allowed::Flag(with)) if n.starts_with("zvw_") => {
            let ct = lang.care_type(n.trim_start_matches("zvw_"));
            if *with {
                format!("{} {ct}", l(lang, "met", "with"))
            } else {
                format!("{} {ct}", l(lang, "zonder", "without"))
            }
        }
        (n, Allowed::Flag(with)) if n.starts_with("wmo_") => format!(
            "{} {}",
            if *with {
                l(lang, "met Wmo", "with Wmo")
            } else {
                l(lang, "zonder Wmo", "without Wmo")
            },
            n.trim_start_matches("wmo_").replace('_', " ")
        ),
        _ => return None,
    })
}

/// The filter in words, or None when it has a shape this does not read.
pub fn describe(filter: &str, lang: Lang) -> Option<String> {
    let mut features: BTreeMap<String, Allowed> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for conjunct in split_top(strip_parens(filter), "AND") {
        let mut acc: Option<(String, Allowed)> = None;
        for alt in split_top(strip_parens(&conjunct), "OR") {
            let inner = strip_parens(&alt);
            let (name, a) = atom(inner)?;
            acc = Some(match acc {
                None => (name, a),
                Some((n, prev)) if n == name => (n, union(prev, a)?),
                // An OR across features cannot be said as one clause.
                Some(_) => return None,
            });
        }
        let (name, a) = acc?;
        let merged = match features.remove(&name) {
            Some(prev) => intersect(prev, a)?,
            None => {
                order.push(name.clone());
                a
            }
        };
        features.insert(name, merged);
    }
    let words: Option<Vec<String>> = order
        .iter()
        .map(|n| say(n, features.get(n)?, lang))
        .collect();
    let words: Vec<String> = words?.into_iter().filter(|w| !w.is_empty()).collect();
    (!words.is_empty()).then(|| words.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every filter the regression tree can propose, simplified as it is stored, reads as words
    /// (issue 31: no proposal without a description), in both languages.
    #[test]
    fn every_proposed_filter_reads_as_words() {
        use crate::stages::focus::features::Feature;
        use crate::stages::focus::simplify::filter;
        use proptest::prelude::*;
        use proptest::test_runner::TestRunner;
        let f = |name: &str, conditions: Vec<String>, ordinal: bool| Feature {
            name: name.into(),
            conditions,
            ordinal,
            codes: Vec::new(),
        };
        let texts = |name: &str, values: &[&str]| {
            let mut c: Vec<String> = values.iter().map(|v| format!("{name} = '{v}'")).collect();
            c.push(format!("{name} IS NULL"));
            f(name, c, false)
        };
        let mut forms: Vec<String> = (0..5).map(|k| format!("care_forms = {k}")).collect();
        forms.push("care_forms >= 5".into());
        let features = vec![
            f(
                "age",
                [
                    "0 AND 4",
                    "5 AND 14",
                    "15 AND 24",
                    "25 AND 44",
                    "45 AND 64",
                    "65 AND 74",
                    "75 AND 84",
                ]
                .iter()
                .map(|r| format!("age BETWEEN {r}"))
                .chain(["age >= 85".to_string()])
                .collect(),
                true,
            ),
            texts(
                "household",
                &[
                    "single",
                    "couple",
                    "couple_children",
                    "single_parent",
                    "other",
                ],
            ),
            texts("education", &["low", "middle", "high"]),
            texts("sex", &["M", "V"]),
            f(
                "social_minimum",
                vec![
                    "social_minimum = false".into(),
                    "social_minimum = true".into(),
                    "social_minimum IS NULL".into(),
                ],
                false,
            ),
            f("care_forms", forms, true),
            f("wmo", vec!["NOT wmo".into(), "wmo".into()], true),
            f(
                "zvw_msz",
                vec!["zvw_msz <= 0".into(), "zvw_msz > 0".into()],
                true,
            ),
            f(
                "zvw_farmacie",
                vec!["zvw_farmacie <= 0".into(), "zvw_farmacie > 0".into()],
                true,
            ),
        ];
        let mut runner = TestRunner::default();
        let strategy = proptest::collection::vec(
            (0usize..9, proptest::collection::vec(any::<bool>(), 8)),
            1..6,
        );
        runner
            .run(&strategy, |path| {
                let path: Vec<(usize, Vec<u16>)> = path
                    .into_iter()
                    .map(|(fi, mask)| {
                        let k = features[fi].conditions.len();
                        // A split leaves each side at least one code, never all of them.
                        let mut codes: Vec<u16> =
                            (0..k as u16).filter(|c| mask[*c as usize]).collect();
                        if codes.is_empty() {
                            codes.push(0);
                        }
                        if codes.len() == k {
                            codes.pop();
                        }
                        (fi, codes)
                    })
                    .collect();
                // Splits of one feature nest (a child splits its parent's codes).
                let mut seen: Vec<(usize, Vec<u16>)> = Vec::new();
                for (fi, codes) in path {
                    // Sex is never null (SPEC 2.1): a split keeping both sexes would set apart
                    // no one, so the tree never makes it.
                    if features[fi].name == "sex" && codes.contains(&0) && codes.contains(&1) {
                        continue;
                    }
                    let within: Vec<u16> = match seen.iter().rev().find(|(f, _)| *f == fi) {
                        Some((_, parent)) => {
                            codes.into_iter().filter(|c| parent.contains(c)).collect()
                        }
                        None => codes,
                    };
                    if !within.is_empty() {
                        seen.push((fi, within));
                    }
                }
                let sql = filter(&features, &seen);
                if sql != "TRUE" {
                    for lang in [Lang::Nl, Lang::En] {
                        prop_assert!(describe(&sql, lang).is_some(), "no words for {}", sql);
                    }
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn built_in_and_proposed_filters_in_words() {
        let nl = Lang::Nl;
        assert_eq!(
            describe(
                "household = 'single' AND education = 'low' AND care_forms >= 3",
                nl
            )
            .as_deref(),
            Some("alleen wonend, laag opgeleid, ≥ 3 zorgvormen")
        );
        assert_eq!(
            describe("age >= 75 AND household = 'single' AND care_forms >= 3", nl).as_deref(),
            Some("75+, alleen wonend, ≥ 3 zorgvormen")
        );
        // A proposal: OR-lists intersected per feature.
        assert_eq!(
            describe(
                "(care_forms = 0 OR care_forms = 1 OR care_forms = 2 OR care_forms = 3) AND zvw_msz > 0 AND (age BETWEEN 65 AND 74 OR age BETWEEN 75 AND 84 OR age >= 85) AND (care_forms = 1 OR care_forms = 2)",
                nl
            )
            .as_deref(),
            Some("1–2 zorgvormen, met medisch-specialistische zorg, 65+")
        );
        assert_eq!(
            describe("age BETWEEN 16 AND 17 AND social_minimum", Lang::En).as_deref(),
            Some("16–17 years, at the social minimum")
        );
        // An OR across features is not one clause: no words, the filter speaks.
        assert_eq!(
            describe("age >= 75 AND (wmo OR zvw_wijkverpleging > 0)", nl),
            None
        );
    }
}
