//! Public reference data (issue #10, SPEC 3.8): importers that turn the messy yearly files of
//! Vektis and CBS into normalised tables. No file I/O beyond reading the given files;
//! `cmd::reference` writes the result.

pub mod cbs;
pub mod gemeenten;
pub mod vektis;

/// A downloaded CSV file as text: UTF-8 as CBS writes, else Latin-1 as the older Vektis files are
/// (`SÚDWEST-FRYSLÂN`); a byte-order mark dropped; the separator (`;`, tab or `,`) the one the
/// header has most of.
pub(crate) struct CsvText {
    pub bytes: Vec<u8>,
    pub text: String,
    pub sep: char,
}

impl CsvText {
    pub fn read(path: &std::path::Path) -> std::io::Result<CsvText> {
        let bytes = std::fs::read(path)?;
        let text: String = match std::str::from_utf8(&bytes) {
            Ok(t) => t.trim_start_matches('\u{feff}').to_string(),
            Err(_) => bytes.iter().map(|&b| b as char).collect(),
        };
        let header = text.lines().next().unwrap_or("");
        let sep = [';', '\t', ',']
            .into_iter()
            .max_by_key(|s| header.matches(*s).count())
            .unwrap_or(';');
        Ok(CsvText { bytes, text, sep })
    }
}
