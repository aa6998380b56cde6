//! Geography of the synthetic sample: three real gemeenten with their real CBS codes and pc4
//! postcodes (with 2021 resident counts as weights, from the CBS table via certegis), split into
//! synthetic pc5s, buurten and wijken, and drawn as simple rectangles near each city.

use rand::Rng;
use rand_pcg::Pcg64;

pub struct Gemeente {
    pub code: &'static str,
    pub name: &'static str,
    /// (pc4, residents on 1 January 2021).
    pub pc4: &'static [(u32, u32)],
    pub wijk_names: &'static [&'static str],
    /// Approximate centre (lon, lat), for the drawn rectangles.
    pub centre: (f64, f64),
}

pub const GEMEENTEN: [Gemeente; 3] = [
    Gemeente {
        code: "GM0153",
        name: "Enschede",
        pc4: &[
            (7511, 9695),
            (7512, 6925),
            (7513, 5115),
            (7514, 5960),
            (7521, 9180),
            (7522, 7405),
            (7523, 12205),
            (7524, 3520),
            (7525, 380),
            (7531, 8380),
            (7532, 5280),
            (7533, 4790),
            (7534, 12560),
            (7535, 3740),
            (7536, 60),
            (7541, 3405),
            (7542, 10405),
            (7543, 7010),
            (7544, 15980),
            (7545, 14600),
            (7546, 8660),
            (7547, 610),
            (7548, 3865),
        ],
        wijk_names: &[
            "Centrum",
            "Noord",
            "Oost",
            "Zuid",
            "West",
            "Boswinkel-Stadsveld",
            "Twekkelerveld",
            "Velve-Lindenhof",
            "Wesselerbrink",
            "Stroinkslanden",
            "Glanerbrug",
            "Pathmos",
        ],
        centre: (6.893, 52.221),
    },
    Gemeente {
        code: "GM0202",
        name: "Arnhem",
        pc4: &[
            (6811, 6415),
            (6812, 2835),
            (6813, 4420),
            (6814, 6290),
            (6815, 3350),
            (6816, 2340),
            (6821, 5950),
            (6822, 7210),
            (6823, 6915),
            (6824, 10120),
            (6825, 5660),
            (6826, 10450),
            (6827, 430),
            (6828, 12450),
            (6831, 3540),
            (6832, 5575),
            (6833, 6585),
            (6834, 3255),
            (6835, 5265),
            (6836, 11850),
            (6841, 4615),
            (6842, 2865),
            (6843, 10605),
            (6844, 4095),
            (6845, 6125),
            (6846, 13210),
        ],
        wijk_names: &[
            "Centrum",
            "Spijkerkwartier",
            "Klarendal",
            "Presikhaaf",
            "Malburgen",
            "Elden",
            "Schuytgraaf",
            "Rijkerswoerd",
            "Geitenkamp",
            "Alteveer",
            "Heijenoord",
            "Burgemeesterswijk",
            "Schaarsbergen",
        ],
        centre: (5.911, 51.985),
    },
    Gemeente {
        code: "GM0014",
        name: "Groningen",
        pc4: &[
            (9711, 9630),
            (9712, 10355),
            (9713, 13050),
            (9714, 6015),
            (9715, 8245),
            (9716, 4150),
            (9717, 6430),
            (9718, 9360),
            (9721, 11380),
            (9722, 7940),
            (9723, 5785),
            (9724, 4990),
            (9725, 6130),
            (9726, 4140),
            (9727, 5465),
            (9728, 10745),
            (9731, 7785),
            (9732, 5220),
            (9733, 3660),
            (9734, 2815),
            (9735, 225),
            (9736, 6180),
            (9737, 5950),
            (9738, 395),
            (9741, 7505),
            (9742, 10820),
            (9743, 12095),
            (9744, 5610),
            (9745, 3140),
            (9746, 7695),
        ],
        wijk_names: &[
            "Centrum",
            "Oosterpoort",
            "Schildersbuurt",
            "Helpman",
            "Paddepoel",
            "Vinkhuizen",
            "Selwerd",
            "Lewenborg",
            "Beijum",
            "De Hoogte",
            "Korrewegwijk",
            "Oosterparkwijk",
            "Corpus den Hoorn",
            "Hoogkerk",
            "Zernike",
        ],
        centre: (6.566, 53.219),
    },
];

/// Postcodes used for persons and provisions whose pc5 is missing from `areas` (dirt).
pub const UNKNOWN_PC5: [&str; 3] = ["9999Z", "1011X", "3512Q"];

/// (lon0, lat0, lon1, lat1).
pub type Rect = (f64, f64, f64, f64);

#[derive(Debug, Clone)]
pub struct Area {
    pub pc5: String,
    pub buurt_code: String,
    pub buurt_name: String,
    pub wijk_code: String,
    pub wijk_name: String,
    pub gemeente_code: String,
    pub gemeente_name: String,
    /// Relative chance that a person lives here.
    pub weight: f64,
    /// Rectangle (lon0, lat0, lon1, lat1) of this pc5 inside its buurt's column.
    pub rect: Rect,
}

/// A gemeente of the generated book: one of the three real ones, or a synthetic copy.
struct Spec {
    code: String,
    name: String,
    pc4: Vec<(u32, u32)>,
    wijk_names: &'static [&'static str],
    centre: (f64, f64),
}

/// Synthetic pc4s run from 1000 in blocks of this many per gemeente, below the real ones.
const SYNTHETIC_PC4_STRIDE: u32 = 30;
const SYNTHETIC_PC4_LAST: u32 = 6799;

/// The three real gemeenten, and for books too large for them at about 100 insured per pc5
/// (SPEC 6: 2.1 M insured in 20,000 pc5s), synthetic gemeenten `GM99nn` "Synthetisch nn" that
/// copy a real one's pc4 weights under pc4 numbers from 1000 up, drawn on a grid of their own.
fn gemeenten_for(persons: usize) -> Vec<Spec> {
    let mut out: Vec<Spec> = GEMEENTEN
        .iter()
        .map(|g| Spec {
            code: g.code.into(),
            name: g.name.into(),
            pc4: g.pc4.to_vec(),
            wijk_names: g.wijk_names,
            centre: g.centre,
        })
        .collect();
    let needed = persons.div_ceil(26 * 100);
    let mut have: usize = out.iter().map(|g| g.pc4.len()).sum();
    let mut k = 0u32;
    while have < needed {
        let first = 1000 + k * SYNTHETIC_PC4_STRIDE;
        let template = &GEMEENTEN[k as usize % GEMEENTEN.len()];
        let n = template.pc4.len().min(SYNTHETIC_PC4_STRIDE as usize);
        if first + n as u32 > SYNTHETIC_PC4_LAST || k >= 99 {
            break; // beyond this, pc5s simply grow larger
        }
        out.push(Spec {
            code: format!("GM99{:02}", k + 1),
            name: format!("Synthetisch {}", k + 1),
            pc4: template.pc4[..n]
                .iter()
                .enumerate()
                .map(|(i, &(_, r))| (first + i as u32, r))
                .collect(),
            wijk_names: template.wijk_names,
            centre: (
                3.6 + 0.3 * f64::from(k % 10),
                50.9 + 0.25 * f64::from(k / 10),
            ),
        });
        have += n;
        k += 1;
    }
    out
}

/// Builds the pc5 table for about `persons` insured: more letters per pc4 for larger books,
/// and a few deliberately tiny pc5s so that small-cell suppression has work to do.
pub fn areas(persons: usize, rng: &mut Pcg64) -> Vec<Area> {
    let gemeenten = gemeenten_for(persons);
    let pc4_count: usize = gemeenten.iter().map(|g| g.pc4.len()).sum();
    // About 100 insured per pc5, at most 26 letters per pc4.
    let letters = ((persons as f64 / (pc4_count as f64 * 100.0)).round() as usize).clamp(1, 26);
    let mut out = Vec::new();
    for g in &gemeenten {
        // Two consecutive pc4s form a wijk; the pc5s of one pc4 form buurten of up to three.
        for (i, &(pc4, residents)) in g.pc4.iter().enumerate() {
            let w = i / 2 + 1;
            let wijk_code = format!("WK{}{:02}", &g.code[2..], w);
            let wijk_name = g.wijk_names[(w - 1) % g.wijk_names.len()].to_string();
            let (lon, lat) = g.centre;
            let x0 = lon - 0.06 + 0.012 * (i % 10) as f64;
            let y0 = lat - 0.03 + 0.02 * (i / 10) as f64;
            for l in 0..letters {
                let letter = (b'A' + l as u8) as char;
                let b = (i % 2) * 13 + l / 3 + 1;
                let buurt_code = format!("BU{}{:02}{:02}", &g.code[2..], w, b);
                let buurt_name = format!("{wijk_name} {pc4}{}", (b'A' + (l / 3 * 3) as u8) as char);
                // Tiny pc5s (1 in 25) get about 5 persons; the rest share by residents.
                let tiny = rng.gen_bool(0.04);
                let base = residents.max(200) as f64 / letters as f64;
                // Tiny ones are marked here and weighted below, once the total is known.
                let weight = if tiny {
                    -1.0
                } else {
                    base * rng.gen_range(0.6..1.4)
                };
                let dx = 0.012 / letters as f64;
                let rect = (
                    x0 + dx * l as f64,
                    y0,
                    x0 + dx * (l as f64 + 1.0),
                    y0 + 0.018,
                );
                out.push(Area {
                    pc5: format!("{pc4}{letter}"),
                    buurt_code,
                    buurt_name,
                    wijk_code: wijk_code.clone(),
                    wijk_name: wijk_name.clone(),
                    gemeente_code: g.code.clone(),
                    gemeente_name: g.name.clone(),
                    weight,
                    rect,
                });
            }
        }
    }
    let total: f64 = out.iter().map(|a| a.weight.max(0.0)).sum();
    for a in out.iter_mut().filter(|a| a.weight < 0.0) {
        a.weight = total * 5.0 / persons.max(1) as f64;
    }
    out
}

/// A GeoJSON FeatureCollection with one polygon per buurt (the union box of its pc5s).
pub fn geometry(areas: &[Area]) -> serde_json::Value {
    let mut buurten: Vec<(&Area, Rect)> = Vec::new();
    for a in areas {
        match buurten
            .iter_mut()
            .find(|(b, _)| b.buurt_code == a.buurt_code)
        {
            Some((_, r)) => {
                r.0 = r.0.min(a.rect.0);
                r.1 = r.1.min(a.rect.1);
                r.2 = r.2.max(a.rect.2);
                r.3 = r.3.max(a.rect.3);
            }
            None => buurten.push((a, a.rect)),
        }
    }
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let features: Vec<serde_json::Value> = buurten
        .iter()
        .map(|(a, (x0, y0, x1, y1))| {
            let ring = vec![
                [round(*x0), round(*y0)],
                [round(*x1), round(*y0)],
                [round(*x1), round(*y1)],
                [round(*x0), round(*y1)],
                [round(*x0), round(*y0)],
            ];
            serde_json::json!({
                "type": "Feature",
                "properties": {
                    "buurt_code": a.buurt_code, "buurt_name": a.buurt_name,
                    "wijk_code": a.wijk_code, "wijk_name": a.wijk_name,
                    "gemeente_code": a.gemeente_code, "gemeente_name": a.gemeente_name,
                },
                "geometry": { "type": "Polygon", "coordinates": [ring] },
            })
        })
        .collect();
    serde_json::json!({ "type": "FeatureCollection", "features": features })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn small_books_use_the_three_real_gemeenten() {
        let g = gemeenten_for(20_000);
        assert_eq!(g.len(), 3);
        assert_eq!(g[0].code, "GM0153");
    }

    /// SPEC 6: the whole book, 2.1 M insured, lives in about 20,000 pc5s.
    #[test]
    fn the_whole_book_gets_about_twenty_thousand_pc5s() {
        let mut rng = Pcg64::seed_from_u64(1);
        let a = areas(2_100_000, &mut rng);
        assert!((19_000..23_000).contains(&a.len()), "{} pc5s", a.len());
        let mut pc5: Vec<&str> = a.iter().map(|a| a.pc5.as_str()).collect();
        pc5.sort_unstable();
        pc5.dedup();
        assert_eq!(pc5.len(), a.len(), "pc5s repeat");
        assert!(pc5.iter().all(|p| p.as_bytes()[0] != b'0' && p.len() == 5));
        let codes: std::collections::BTreeSet<&str> =
            a.iter().map(|a| a.gemeente_code.as_str()).collect();
        assert!(codes.contains("GM0153") && codes.contains("GM9901"));
        // Every buurt lies in one wijk and every wijk in one gemeente, by code.
        assert!(a
            .iter()
            .all(|a| a.buurt_code[2..8] == a.wijk_code[2..]
                && a.wijk_code[2..6] == a.gemeente_code[2..]));
    }
}
