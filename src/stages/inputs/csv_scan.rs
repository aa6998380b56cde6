//! Where a CSV breaks, found without polars: one quote-aware pass over the bytes, in bounded
//! memory (only the header's names are kept). polars' own messages for a broken CSV repeat the
//! file's content (person ids included) or count rows in chunks, and name no line; this pass
//! runs only after polars has refused a file, to say which line to fix.

use std::fmt;
use std::io::BufRead;

/// Longest header name kept for messages; more is cut (a header this long is no header).
const MAX_NAME: usize = 100;
/// Header names kept; columns beyond are named by number.
const MAX_NAMES: usize = 1000;

/// The first place a CSV file breaks: a physical line (1-based, the header is line 1) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFault {
    pub line: u64,
    pub kind: FaultKind,
}

/// What is wrong at a line. Columns are header names (or `field N` past the header); never a
/// data value, so a message can not show a person id or an amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// A quoted field not closed before the end of the file; the line is where it opened.
    UnterminatedQuote { column: String },
    /// A `"` in the middle of a field that did not start with one.
    QuoteInUnquoted { column: String },
    /// Text right after a field's closing quote, where `,` or the line's end belongs.
    /// `opened` is the line of the opening quote when that is an earlier line.
    TextAfterQuote { column: String, opened: Option<u64> },
    /// A record with another number of fields than the header; `ends` is the last line of a
    /// record that runs over several lines through a quoted field.
    FieldCount {
        found: usize,
        header: usize,
        ends: Option<u64>,
    },
}

impl fmt::Display for CsvFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.line)?;
        match &self.kind {
            FaultKind::UnterminatedQuote { column } => write!(
                f,
                "unterminated quote (opened in column {column}): it is never closed, so the \
                 rest of the file would be one field"
            ),
            FaultKind::QuoteInUnquoted { column } => write!(
                f,
                "a quote (`\"`) inside an unquoted field (column {column}): quote the whole \
                 field and double the quote inside (`\"\"`)"
            ),
            FaultKind::TextAfterQuote { column, opened } => {
                write!(
                    f,
                    "text after the closing quote of a field (column {column})"
                )?;
                match opened {
                    Some(l) => write!(f, "; the quote opened on line {l}: is it closed there?"),
                    None => Ok(()),
                }
            }
            FaultKind::FieldCount {
                found,
                header,
                ends,
            } => {
                write!(f, "{found} fields, the header has {header}")?;
                match ends {
                    Some(l) => write!(f, " (the record runs to line {l} inside a quoted field)"),
                    None => Ok(()),
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first byte of a field.
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted field: its end, or the first of a doubled `""`.
    QuoteInQuoted,
}

/// The scanner's position; fields' contents are never kept, only the header's names.
struct Scanner {
    state: State,
    /// Current physical line, 1-based.
    line: u64,
    /// The line the current record started on.
    record_line: u64,
    /// The line of the last opening quote.
    quote_line: u64,
    /// 0-based index of the field being read.
    field: usize,
    /// No byte of this record read yet (a blank line is skipped, as polars does).
    blank: bool,
    /// The header's field count, once its line is read.
    header: Option<usize>,
    names: Vec<String>,
    name: Vec<u8>,
}

/// The first fault in a CSV (`,`-separated, `"`-quoted, header on line 1), or `None` when the
/// file is well formed.
pub fn find_fault(mut reader: impl BufRead) -> std::io::Result<Option<CsvFault>> {
    let mut s = Scanner {
        state: State::FieldStart,
        line: 1,
        record_line: 1,
        quote_line: 1,
        field: 0,
        blank: true,
        header: None,
        names: Vec::new(),
        name: Vec::new(),
    };
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(s.finish());
        }
        let n = buf.len();
        for &b in buf {
            if let Some(fault) = s.step(b) {
                return Ok(Some(fault));
            }
        }
        reader.consume(n);
    }
}

impl Scanner {
    fn step(&mut self, b: u8) -> Option<CsvFault> {
        // A `\r` outside quotes belongs to a `\r\n` line end; inside quotes it is data.
        if b == b'\r' && self.state != State::Quoted {
            return None;
        }
        match (self.state, b) {
            (State::Quoted, b'"') => self.state = State::QuoteInQuoted,
            (State::Quoted, b'\n') => self.line += 1,
            (State::Quoted, _) => self.keep(b),
            (State::QuoteInQuoted, b'"') => {
                self.state = State::Quoted;
                self.keep(b);
            }
            (State::FieldStart, b'"') => {
                self.state = State::Quoted;
                self.quote_line = self.line;
                self.blank = false;
            }
            (State::Unquoted, b'"') => {
                return Some(self.fault(FaultKind::QuoteInUnquoted {
                    column: self.column(),
                }))
            }
            (_, b',') => {
                self.end_field();
                self.state = State::FieldStart;
                self.blank = false;
            }
            (_, b'\n') => return self.end_record(),
            (State::QuoteInQuoted, _) => {
                let opened = (self.quote_line != self.line).then_some(self.quote_line);
                return Some(self.fault(FaultKind::TextAfterQuote {
                    column: self.column(),
                    opened,
                }));
            }
            (State::FieldStart | State::Unquoted, _) => {
                self.state = State::Unquoted;
                self.blank = false;
                self.keep(b);
            }
        }
        None
    }

    fn fault(&self, kind: FaultKind) -> CsvFault {
        CsvFault {
            line: self.line,
            kind,
        }
    }

    /// Keeps a byte of a header name (data fields are never kept).
    fn keep(&mut self, b: u8) {
        if self.header.is_none() && self.name.len() < MAX_NAME {
            self.name.push(b);
        }
    }

    fn end_field(&mut self) {
        if self.header.is_none() && self.names.len() < MAX_NAMES {
            let name = String::from_utf8_lossy(&self.name);
            let name = name.trim_start_matches('\u{feff}').trim();
            self.names.push(name.to_string());
        }
        self.name.clear();
        self.field += 1;
    }

    /// A line end outside quotes: the record is complete; checks its field count.
    fn end_record(&mut self) -> Option<CsvFault> {
        let fault = if self.blank {
            None
        } else {
            self.end_field();
            self.check_count()
        };
        self.line += 1;
        self.record_line = self.line;
        self.field = 0;
        self.blank = true;
        self.state = State::FieldStart;
        fault
    }

    fn check_count(&mut self) -> Option<CsvFault> {
        let found = self.field;
        match self.header {
            None => {
                self.header = Some(found);
                None
            }
            Some(header) if header != found => Some(CsvFault {
                line: self.record_line,
                kind: FaultKind::FieldCount {
                    found,
                    header,
                    ends: (self.record_line != self.line).then_some(self.line),
                },
            }),
            Some(_) => None,
        }
    }

    /// The end of the file: an open quote is unterminated; a last line without `\n` is checked.
    fn finish(&mut self) -> Option<CsvFault> {
        match self.state {
            State::Quoted => Some(CsvFault {
                line: self.quote_line,
                kind: FaultKind::UnterminatedQuote {
                    column: self.column(),
                },
            }),
            _ if !self.blank => {
                self.end_field();
                self.check_count()
            }
            _ => None,
        }
    }

    /// The current field's column for a message: its header name, or its number when the
    /// header is not read yet or has no such column.
    fn column(&self) -> String {
        let number = self.field + 1;
        match (self.header, self.names.get(self.field)) {
            (None, _) => format!("{number} of the header"),
            (Some(_), Some(name)) if !name.is_empty() => format!("`{name}`"),
            (Some(header), _) if self.field >= header => {
                format!("{number}, past the header's last")
            }
            _ => number.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(text: &str) -> Option<CsvFault> {
        find_fault(text.as_bytes()).unwrap()
    }

    const HEAD: &str = "claim_id,person_id,amount_eur\n";

    #[test]
    fn a_well_formed_file_has_no_fault() {
        assert_eq!(fault(&format!("{HEAD}c1,p1,1.0\nc2,p2,2.0\n")), None);
        // No newline at the end, CRLF line ends, a blank line, a byte-order mark.
        assert_eq!(
            fault(&format!("\u{feff}{HEAD}c1,p1,1.0\r\n\r\nc2,p2,2")),
            None
        );
        // Empty fields count as fields.
        assert_eq!(fault(&format!("{HEAD},,\n")), None);
    }

    #[test]
    fn quoted_fields_with_newlines_and_doubled_quotes_are_fine() {
        let text = format!("{HEAD}\"c1\",\"p \"\"one\"\",\nsecond line\",1.0\nc2,p2,\"2,0\"\n");
        assert_eq!(fault(&text), None);
        // A quoted header name, read without its quotes.
        assert_eq!(fault("\"a\",\"b\"\n1,\"x\"\"\"\n"), None);
    }

    #[test]
    fn an_unterminated_quote_names_the_line_it_opened_on() {
        let text = format!("{HEAD}c1,p1,1.0\nc2,\"p2,2.0\nc3,p3,3.0\nc4,p4,4.0\n");
        let f = fault(&text).unwrap();
        assert_eq!(f.line, 3);
        assert_eq!(
            f.kind,
            FaultKind::UnterminatedQuote {
                column: "`person_id`".into()
            }
        );
        let shown = f.to_string();
        assert!(
            shown.starts_with("line 3: unterminated quote (opened in column `person_id`)"),
            "{shown}"
        );
        assert!(!shown.contains("p2") && !shown.contains("c3"), "{shown}");
    }

    #[test]
    fn a_bare_quote_in_an_unquoted_field() {
        let f = fault(&format!("{HEAD}c1,p1,1.0\nc2,p1,2.0\nc3,p\"3,3.0\n")).unwrap();
        assert_eq!(f.line, 4);
        assert_eq!(
            f.kind,
            FaultKind::QuoteInUnquoted {
                column: "`person_id`".into()
            }
        );
        assert!(!f.to_string().contains("p\""), "{f}");
    }

    #[test]
    fn more_or_fewer_fields_than_the_header() {
        let f = fault(&format!("{HEAD}c1,p1,1.0\nc2,p2,2.0,x\n")).unwrap();
        assert_eq!(f.line, 3);
        assert_eq!(f.to_string(), "line 3: 4 fields, the header has 3");
        let f = fault(&format!("{HEAD}c1,p1,1.0\n\nc2,p2\n")).unwrap();
        assert_eq!(f.to_string(), "line 4: 2 fields, the header has 3");
        // Without a newline at the end of the file.
        let f = fault(&format!("{HEAD}c1,p1,1.0,x")).unwrap();
        assert_eq!(f.line, 2);
        // A record running over lines is reported where it starts.
        let f = fault(&format!("{HEAD}c1,\"p\n1\",1.0,x\n")).unwrap();
        assert_eq!(
            f.to_string(),
            "line 2: 4 fields, the header has 3 (the record runs to line 3 inside a quoted field)"
        );
    }

    #[test]
    fn text_after_a_closing_quote() {
        let f = fault(&format!("{HEAD}c1,\"p1\"x,1.0\n")).unwrap();
        assert_eq!(f.line, 2);
        assert_eq!(
            f.to_string(),
            "line 2: text after the closing quote of a field (column `person_id`)"
        );
        // A quote left open on line 2 closes at the next quote, on line 4.
        let f = fault(&format!("{HEAD}c1,\"p1,1.0\nc2,p2,2.0\nc3,\"p3\",3.0\n")).unwrap();
        assert_eq!(f.line, 4);
        assert!(f.to_string().contains("opened on line 2"), "{f}");
    }

    #[test]
    fn a_fault_past_the_header_or_in_it_is_named_by_number() {
        let f = fault(&format!("{HEAD}c1,p1,1.0,\"x")).unwrap();
        assert_eq!(f.line, 2);
        assert!(
            f.to_string().contains("column 4, past the header's last"),
            "{f}"
        );
        let f = fault("a,b\"c\n1,2\n").unwrap();
        assert_eq!(f.line, 1);
        assert!(f.to_string().contains("column 2 of the header"), "{f}");
    }

    #[test]
    fn reads_across_buffer_boundaries() {
        let mut text = HEAD.to_string();
        for i in 0..2000 {
            text.push_str(&format!("c{i},\"p\n{i}\",{i}.0\n"));
        }
        text.push_str("c,p\"x,1\n");
        let reader = std::io::BufReader::with_capacity(7, text.as_bytes());
        let f = find_fault(reader).unwrap().unwrap();
        assert_eq!(f.line, 2 + 2 * 2000);
    }
}
