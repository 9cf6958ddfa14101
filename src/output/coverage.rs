//! `coverage.parquet`: objects, records and events per account, region and delivery hour
//! ([`crate::coverage`]). The schema is documented in the README.

use crate::coverage::{Cell, CellKey};
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use std::path::Path;
use std::sync::Arc;

/// The Arrow schema.
pub fn schema() -> SchemaRef {
    let ts = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
    Arc::new(Schema::new(vec![
        Field::new("account", DataType::Utf8, false),
        Field::new("region", DataType::Utf8, false),
        Field::new("hour", ts, true),
        Field::new("objects", DataType::Int64, false),
        Field::new("records", DataType::Int64, false),
        Field::new("events", DataType::Int64, false),
        Field::new("duplicates", DataType::Int64, false),
        Field::new("compressed_bytes", DataType::Int64, false),
    ]))
}

/// Streams cells into `coverage.parquet` as their days complete
/// ([`crate::coverage::Coverage::take_before`]), under a temporary name until
/// [`CoverageWriter::finish`].
pub struct CoverageWriter {
    file: super::ParquetStream,
}

impl CoverageWriter {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> Result<Self, parquet::errors::ParquetError> {
        Ok(CoverageWriter {
            file: super::ParquetStream::create(path, schema())?,
        })
    }

    /// Appends cells.
    pub fn write(
        &mut self,
        cells: &[(CellKey, Cell)],
    ) -> Result<(), parquet::errors::ParquetError> {
        for chunk in cells.chunks(64 * 1024) {
            self.file.write(&batch(chunk)?)?;
        }
        Ok(())
    }

    /// Closes the file and moves it into place.
    pub fn finish(self) -> Result<(), parquet::errors::ParquetError> {
        self.file.finish()
    }
}

fn batch(chunk: &[(CellKey, Cell)]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let n = |f: fn(&Cell) -> u64| -> ArrayRef {
        Arc::new(
            chunk
                .iter()
                .map(|(_, c)| Some(f(c) as i64))
                .collect::<Int64Array>(),
        )
    };
    let cols: Vec<ArrayRef> = vec![
        Arc::new(
            chunk
                .iter()
                .map(|(k, _)| Some(&*k.0))
                .collect::<StringArray>(),
        ),
        Arc::new(
            chunk
                .iter()
                .map(|(k, _)| Some(&*k.1))
                .collect::<StringArray>(),
        ),
        Arc::new(
            chunk
                .iter()
                .map(|(k, _)| k.2)
                .collect::<TimestampMillisecondArray>()
                .with_timezone("UTC"),
        ),
        n(|c| c.objects),
        n(|c| c.records),
        n(|c| c.events),
        n(|c| c.duplicates),
        n(|c| c.bytes),
    ];
    RecordBatch::try_new(schema(), cols)
}
