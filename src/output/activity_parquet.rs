//! `activity.parquet`: one row per account, principal, principal type, event source, event name,
//! IAM action, region and day. The schema is documented in the README.

use crate::activity::Row;
use crate::iam::mapping::MappingStatus;
use arrow_array::{
    ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::path::Path;
use std::sync::Arc;

/// Rows per row group: bounds the writer's buffer, so memory does not grow with the number of
/// days in a run.
const ROW_GROUP_ROWS: usize = 16 * 1024;

/// The Arrow schema of `activity.parquet`.
pub fn schema() -> SchemaRef {
    let ts = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
    Arc::new(Schema::new(vec![
        Field::new("account", DataType::Utf8, false),
        Field::new("principal", DataType::Utf8, false),
        Field::new("principal_type", DataType::Utf8, false),
        Field::new("event_source", DataType::Utf8, false),
        Field::new("event_name", DataType::Utf8, false),
        Field::new("iam_action", DataType::Utf8, true),
        Field::new("region", DataType::Utf8, false),
        Field::new("day", DataType::Date32, true),
        Field::new("events", DataType::Int64, false),
        Field::new("errors", DataType::Int64, false),
        Field::new("denied", DataType::Int64, false),
        Field::new("first_seen", ts.clone(), true),
        Field::new("last_seen", ts, true),
        Field::new("mapping", DataType::Utf8, false),
    ]))
}

/// Writer properties shared by the Parquet outputs: Snappy, dictionaries for repeated strings,
/// statistics, bounded row groups.
pub fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_dictionary_enabled(true)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("trailguard {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Streams rows into `activity.parquet`.
pub struct ActivityWriter {
    file: super::ParquetStream,
    rows: u64,
    events: u64,
}

impl ActivityWriter {
    /// Starts writing `path` (under a temporary name until [`ActivityWriter::finish`]).
    pub fn create(path: &Path) -> Result<Self, parquet::errors::ParquetError> {
        Ok(ActivityWriter {
            file: super::ParquetStream::create(path, schema())?,
            rows: 0,
            events: 0,
        })
    }

    /// Appends rows.
    pub fn write(&mut self, rows: &[Row]) -> Result<(), parquet::errors::ParquetError> {
        for chunk in rows.chunks(ROW_GROUP_ROWS) {
            let batch = to_batch(chunk)?;
            self.file.write(&batch)?;
            self.rows += chunk.len() as u64;
            self.events += chunk.iter().map(|r| r.agg.events).sum::<u64>();
        }
        Ok(())
    }

    /// Closes the file and moves it into place. Returns rows and events written.
    pub fn finish(self) -> Result<(u64, u64), parquet::errors::ParquetError> {
        self.file.finish()?;
        Ok((self.rows, self.events))
    }
}

fn to_batch(rows: &[Row]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let s = |f: fn(&Row) -> &str| -> ArrayRef {
        Arc::new(rows.iter().map(|r| Some(f(r))).collect::<StringArray>())
    };
    let cols: Vec<ArrayRef> = vec![
        s(|r| &r.key.account),
        s(|r| &r.key.principal),
        s(|r| &r.key.principal_type),
        s(|r| &r.key.event_source),
        s(|r| &r.key.event_name),
        Arc::new(
            rows.iter()
                .map(|r| r.iam_action.as_deref())
                .collect::<StringArray>(),
        ),
        s(|r| &r.key.region),
        Arc::new(
            rows.iter()
                .map(|r| (r.key.day != crate::activity::NO_DAY).then_some(r.key.day))
                .collect::<Date32Array>(),
        ),
        Arc::new(
            rows.iter()
                .map(|r| r.agg.events as i64)
                .collect::<Int64Array>(),
        ),
        Arc::new(
            rows.iter()
                .map(|r| r.agg.errors as i64)
                .collect::<Int64Array>(),
        ),
        Arc::new(
            rows.iter()
                .map(|r| r.agg.denied as i64)
                .collect::<Int64Array>(),
        ),
        Arc::new(
            rows.iter()
                .map(|r| r.agg.first_seen())
                .collect::<TimestampMillisecondArray>()
                .with_timezone("UTC"),
        ),
        Arc::new(
            rows.iter()
                .map(|r| r.agg.last_seen())
                .collect::<TimestampMillisecondArray>()
                .with_timezone("UTC"),
        ),
        s(|r| MappingStatus::as_str(&r.mapping)),
    ];
    RecordBatch::try_new(schema(), cols)
}
