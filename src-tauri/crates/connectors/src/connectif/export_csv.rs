//! The export file, read with the `csv` crate as it downloads: quoted fields, doubled quotes,
//! delimiters and line ends inside quotes, CRLF or LF, a leading UTF-8 BOM and blank lines are
//! the crate's (a BOM arriving in pieces is taken off first); a row whose width differs from the header's is an error naming the row. The
//! crate reads from `std::io::Read`, so it runs on a blocking thread fed by the download
//! (`tokio_util`'s `StreamReader` + `SyncIoBridge`) and hands records back through a bounded
//! channel: a 100k-row export is never held in memory, and a slow reader slows the download.

use std::fmt;
use std::io::Read;

use bytes::Bytes;
use futures::{Stream, TryStreamExt};
use tokio::sync::mpsc;
use tokio_util::io::{StreamReader, SyncIoBridge};

/// Records in flight between the reading thread and the stream's consumer.
const IN_FLIGHT: usize = 256;

/// A malformed file: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    /// The row in the file (the header is row 1); 0 when the download itself broke off.
    pub row: u64,
    /// The column's header name when known, else its 1-based position.
    pub column: Option<String>,
    pub problem: String,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.column, self.row) {
            (_, 0) => write!(f, "{}", self.problem),
            (Some(column), row) => write!(f, "row {row}, column {column}: {}", self.problem),
            (None, row) => write!(f, "row {row}: {}", self.problem),
        }
    }
}

/// One record: (its row in the file, its fields). The first is the header.
pub type Record = (u64, Vec<String>);

/// Reads `body` (the download, chunk by chunk) as CSV with `delimiter`, yielding each record
/// with its row as it is read.
pub fn records<S, E>(
    body: S,
    delimiter: u8,
) -> impl Stream<Item = Result<Record, CsvError>> + Send + 'static
where
    S: Stream<Item = Result<Bytes, E>> + Send + Unpin + 'static,
    E: fmt::Display + Send + 'static,
{
    let (sender, mut receiver) = mpsc::channel::<Result<Record, CsvError>>(IN_FLIGHT);
    let body = body.map_err(|e| std::io::Error::other(e.to_string()));
    // Made here, on the runtime: the bridge blocks on it from the reading thread.
    let input = SyncIoBridge::new(StreamReader::new(body));
    let reading = tokio::task::spawn_blocking(move || read_all(input, delimiter, &sender));
    async_stream::stream! {
        while let Some(record) = receiver.recv().await {
            yield record;
        }
        // The channel closes when the thread ends; a panic there is a broken file read.
        if let Err(e) = reading.await {
            yield Err(CsvError {
                row: 0,
                column: None,
                problem: format!("the export reader stopped: {e}"),
            });
        }
    }
}

/// The reading thread: every record, or the first error, into `out` (stops when the consumer
/// has gone).
fn read_all(input: impl Read, delimiter: u8, out: &mpsc::Sender<Result<Record, CsvError>>) {
    let input = match without_bom(input) {
        Ok(input) => input,
        Err(e) => {
            let _ = out.blocking_send(Err(CsvError {
                row: 0,
                column: None,
                problem: format!("the download broke off: {e}"),
            }));
            return;
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        // The header is read as a record: its names go into errors, its width is checked.
        .has_headers(false)
        .flexible(false)
        .from_reader(input);
    let mut header: Option<Vec<String>> = None;
    let mut record = csv::StringRecord::new();
    loop {
        let item = match reader.read_record(&mut record) {
            Ok(false) => return,
            Ok(true) => {
                let row = record.position().map_or(0, |p| p.record() + 1);
                let fields: Vec<String> = record.iter().map(str::to_string).collect();
                header.get_or_insert_with(|| fields.clone());
                Ok((row, fields))
            }
            Err(e) => Err(csv_error(&e, header.as_deref())),
        };
        let failed = item.is_err();
        if out.blocking_send(item).is_err() || failed {
            return;
        }
    }
}

/// The input without a leading UTF-8 byte-order mark. The crate strips one only when its first
/// read holds all three bytes (csv-core's `strip_utf8_bom`), and a first read of exactly those
/// three it takes for the end of the file; a download can arrive in pieces that small.
fn without_bom(mut input: impl Read) -> std::io::Result<impl Read> {
    let mut head = Vec::with_capacity(3);
    (&mut input).take(3).read_to_end(&mut head)?;
    if head == b"\xEF\xBB\xBF" {
        head.clear();
    }
    Ok(std::io::Cursor::new(head).chain(input))
}

fn csv_error(error: &csv::Error, header: Option<&[String]>) -> CsvError {
    let row = error.position().map_or(0, |p| p.record() + 1);
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => CsvError {
            row,
            column: None,
            problem: format!("{len} columns where the header has {expected_len}"),
        },
        csv::ErrorKind::Utf8 { err, .. } => CsvError {
            row,
            column: Some(
                header
                    .and_then(|h| h.get(err.field()))
                    .map_or_else(|| format!("#{}", err.field() + 1), |n| format!("'{n}'")),
            ),
            problem: "the text is not UTF-8".into(),
        },
        csv::ErrorKind::Io(e) => CsvError {
            row: 0,
            column: None,
            problem: format!("the download broke off: {e}"),
        },
        _ => CsvError {
            row,
            column: None,
            problem: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    async fn read_in_chunks(
        text: &[u8],
        chunk: usize,
        delimiter: u8,
    ) -> Result<Vec<Record>, CsvError> {
        let chunks: Vec<Result<Bytes, std::io::Error>> = text
            .chunks(chunk.max(1))
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        records(futures::stream::iter(chunks), delimiter)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect()
    }

    #[tokio::test]
    async fn reads_quotes_line_ends_and_a_bom_whatever_the_chunking() {
        let text = "\u{feff}_email;_name;note\r\nann@x.org;\"Lee; Ann\";\"said \"\"hi\"\"\nthen left\"\r\n\nbob@x.org;Bob;\n".as_bytes();
        for chunk in [1, 2, 3, 7, 1000] {
            let rows = read_in_chunks(text, chunk, b';').await.unwrap();
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

    #[tokio::test]
    async fn a_last_row_without_a_line_end_is_read() {
        let rows = read_in_chunks(b"a,b\n1,2", 3, b',').await.unwrap();
        assert_eq!(rows[1].1, vec!["1", "2"]);
    }

    #[tokio::test]
    async fn errors_name_the_row_and_column() {
        let err = read_in_chunks(b"a,b\n1,2\n1,2,3\n", 100, b',')
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "row 3: 3 columns where the header has 2");
        let err = read_in_chunks(b"a,b\n1,\xff\n", 100, b',')
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "row 2, column 'b': the text is not UTF-8");
    }

    #[tokio::test]
    async fn a_broken_download_is_an_error_not_an_end() {
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"a,b\n1,2\n")),
            Err(std::io::Error::other("connection reset")),
        ];
        let read: Vec<_> = records(futures::stream::iter(chunks), b',').collect().await;
        let err = read.last().unwrap().clone().unwrap_err();
        assert!(err.problem.contains("connection reset"), "{err}");
    }
}
