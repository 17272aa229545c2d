//! A streaming CSV reader (RFC 4180: quoted fields, doubled quotes, CRLF or LF line ends, a
//! leading UTF-8 BOM): bytes go in as they arrive, whole records come out, so a 100k-row
//! export is never held in memory. Errors name the row (the header is row 1) and the column.

use std::fmt;

/// A malformed file: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub row: u64,
    /// The column's header name when known, else its 1-based position.
    pub column: Option<String>,
    pub problem: String,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "row {}, column {column}: {}", self.row, self.problem),
            None => write!(f, "row {}: {}", self.row, self.problem),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: either the closing one or the first of a doubled pair.
    QuoteInQuoted,
}

pub struct CsvReader {
    delimiter: u8,
    state: State,
    field: Vec<u8>,
    record: Vec<String>,
    /// The row being read, 1-based.
    row: u64,
    /// The first record, once read: its width is checked and its names are used in errors.
    header: Option<Vec<String>>,
    after_cr: bool,
    /// How much of a leading byte-order mark has been skipped (3 bytes: EF BB BF).
    bom_seen: usize,
}

impl CsvReader {
    pub fn new(delimiter: u8) -> Self {
        Self {
            delimiter,
            state: State::FieldStart,
            field: Vec::new(),
            record: Vec::new(),
            row: 1,
            header: None,
            after_cr: false,
            bom_seen: 0,
        }
    }

    /// Reads `chunk`, appending every record it completes to `out` as (row, fields).
    pub fn push(
        &mut self,
        chunk: &[u8],
        out: &mut Vec<(u64, Vec<String>)>,
    ) -> Result<(), CsvError> {
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        for &byte in chunk {
            if self.bom_seen < BOM.len() && self.row == 1 && self.record.is_empty() {
                if self.field.len() == self.bom_seen && byte == BOM[self.bom_seen] {
                    self.bom_seen += 1;
                    self.field.push(byte);
                    if self.bom_seen == BOM.len() {
                        self.field.clear();
                    }
                    continue;
                }
                // Not a BOM after all: what was held back is ordinary text.
                self.bom_seen = BOM.len();
                if !self.field.is_empty() {
                    self.state = State::Unquoted;
                }
            }
            if std::mem::take(&mut self.after_cr)
                && byte == b'\n'
                && self.state == State::FieldStart
                && self.record.is_empty()
            {
                continue;
            }
            match self.state {
                State::FieldStart | State::Unquoted => {
                    if byte == b'"' && self.state == State::FieldStart {
                        self.state = State::Quoted;
                    } else if byte == self.delimiter {
                        self.end_field()?;
                    } else if byte == b'\n' || byte == b'\r' {
                        self.after_cr = byte == b'\r';
                        self.end_record(out)?;
                    } else if byte == b'"' {
                        return Err(self.error("a quote inside an unquoted field"));
                    } else {
                        self.field.push(byte);
                        self.state = State::Unquoted;
                    }
                }
                State::Quoted => {
                    if byte == b'"' {
                        self.state = State::QuoteInQuoted;
                    } else {
                        self.field.push(byte);
                    }
                }
                State::QuoteInQuoted => {
                    if byte == b'"' {
                        self.field.push(b'"');
                        self.state = State::Quoted;
                    } else if byte == self.delimiter {
                        self.end_field()?;
                    } else if byte == b'\n' || byte == b'\r' {
                        self.after_cr = byte == b'\r';
                        self.end_record(out)?;
                    } else {
                        return Err(self.error("text after a closing quote"));
                    }
                }
            }
        }
        Ok(())
    }

    /// The end of the file: completes a last record without a line end.
    pub fn finish(&mut self, out: &mut Vec<(u64, Vec<String>)>) -> Result<(), CsvError> {
        match self.state {
            State::Quoted => Err(self.error("the file ends inside a quoted field")),
            _ if self.record.is_empty()
                && self.field.is_empty()
                && self.state == State::FieldStart =>
            {
                Ok(())
            }
            _ => self.end_record(out),
        }
    }

    fn column_name(&self) -> String {
        let index = self.record.len();
        self.header
            .as_ref()
            .and_then(|h| h.get(index))
            .map_or_else(|| format!("#{}", index + 1), |name| format!("'{name}'"))
    }

    fn error(&self, problem: &str) -> CsvError {
        CsvError {
            row: self.row,
            column: Some(self.column_name()),
            problem: problem.to_string(),
        }
    }

    fn end_field(&mut self) -> Result<(), CsvError> {
        let bytes = std::mem::take(&mut self.field);
        let text = String::from_utf8(bytes).map_err(|_| self.error("the text is not UTF-8"))?;
        self.record.push(text);
        self.state = State::FieldStart;
        Ok(())
    }

    fn end_record(&mut self, out: &mut Vec<(u64, Vec<String>)>) -> Result<(), CsvError> {
        // A blank line is no record.
        if self.record.is_empty() && self.field.is_empty() && self.state == State::FieldStart {
            return Ok(());
        }
        self.end_field()?;
        let record = std::mem::take(&mut self.record);
        match &self.header {
            Some(header) if record.len() != header.len() => {
                return Err(CsvError {
                    row: self.row,
                    column: None,
                    problem: format!(
                        "{} columns where the header has {}",
                        record.len(),
                        header.len()
                    ),
                });
            }
            Some(_) => {}
            None => self.header = Some(record.clone()),
        }
        out.push((self.row, record));
        self.row += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_in_chunks(
        text: &[u8],
        chunk: usize,
        delimiter: u8,
    ) -> Result<Vec<(u64, Vec<String>)>, CsvError> {
        let mut reader = CsvReader::new(delimiter);
        let mut out = Vec::new();
        for piece in text.chunks(chunk.max(1)) {
            reader.push(piece, &mut out)?;
        }
        reader.finish(&mut out)?;
        Ok(out)
    }

    #[test]
    fn reads_quotes_line_ends_and_a_bom_whatever_the_chunking() {
        let text = "\u{feff}_email;_name;note\r\nann@x.org;\"Lee; Ann\";\"said \"\"hi\"\"\nthen left\"\r\n\nbob@x.org;Bob;\n".as_bytes();
        for chunk in [1, 2, 3, 7, 1000] {
            let rows = read_in_chunks(text, chunk, b';').unwrap();
            assert_eq!(rows.len(), 3, "chunk {chunk}");
            assert_eq!(rows[0].1, vec!["_email", "_name", "note"]);
            assert_eq!(
                rows[1],
                (
                    2,
                    vec![
                        "ann@x.org".into(),
                        "Lee; Ann".into(),
                        "said \"hi\"\nthen left".into()
                    ]
                )
            );
            assert_eq!(
                rows[2],
                (3, vec!["bob@x.org".into(), "Bob".into(), String::new()])
            );
        }
    }

    #[test]
    fn a_last_row_without_a_line_end_is_read() {
        let rows = read_in_chunks(b"a,b\n1,2", 3, b',').unwrap();
        assert_eq!(rows[1].1, vec!["1", "2"]);
    }

    #[test]
    fn errors_name_the_row_and_column() {
        let err = read_in_chunks(
            b"_email,_name\nann@x.org,Ann\nbob@x.org,\"Bob\"x\n",
            4,
            b',',
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "row 3, column '_name': text after a closing quote"
        );
        let err = read_in_chunks(b"a,b\n1,2,3\n", 100, b',').unwrap_err();
        assert_eq!(err.to_string(), "row 2: 3 columns where the header has 2");
        let err = read_in_chunks(b"a,b\n1,\"open\n", 100, b',').unwrap_err();
        assert_eq!(err.row, 2);
        assert!(err.problem.contains("ends inside a quoted field"));
        let err = read_in_chunks(b"a,b\n1,\xff\n", 100, b',').unwrap_err();
        assert_eq!(err.to_string(), "row 2, column 'b': the text is not UTF-8");
    }
}
