//! `permissions.parquet`: one row per principal and IAM action that is granted or used. The
//! schema is documented in the README.

use crate::recommend::PermissionRow;
use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use std::path::Path;
use std::sync::Arc;

/// The Arrow schema.
pub fn schema() -> SchemaRef {
    let ts = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
    let list = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    Arc::new(Schema::new(vec![
        Field::new("account", DataType::Utf8, false),
        Field::new("principal", DataType::Utf8, false),
        Field::new("principal_type", DataType::Utf8, false),
        Field::new("action", DataType::Utf8, false),
        Field::new("service", DataType::Utf8, false),
        Field::new("access_level", DataType::Utf8, false),
        Field::new("granted", DataType::Boolean, false),
        Field::new("conditional", DataType::Boolean, false),
        Field::new("used", DataType::Boolean, false),
        Field::new("observable", DataType::Boolean, false),
        Field::new("use_count", DataType::Int64, false),
        Field::new("denied_count", DataType::Int64, false),
        Field::new("first_used", ts.clone(), true),
        Field::new("last_used", ts, true),
        Field::new("granted_by", list, false),
        Field::new("suggested", DataType::Utf8, true),
    ]))
}

/// Writes the rows (atomically: a temporary file renamed into place).
pub fn write(path: &Path, rows: &[PermissionRow]) -> anyhow::Result<()> {
    super::write_parquet(path, schema(), rows.chunks(64 * 1024).map(batch))
}

fn batch(rows: &[PermissionRow]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let s = |f: fn(&PermissionRow) -> &str| -> ArrayRef {
        Arc::new(rows.iter().map(|r| Some(f(r))).collect::<StringArray>())
    };
    let b = |f: fn(&PermissionRow) -> bool| -> ArrayRef {
        Arc::new(rows.iter().map(|r| Some(f(r))).collect::<BooleanArray>())
    };
    let n = |f: fn(&PermissionRow) -> u64| -> ArrayRef {
        Arc::new(
            rows.iter()
                .map(|r| Some(f(r) as i64))
                .collect::<Int64Array>(),
        )
    };
    let t = |f: fn(&PermissionRow) -> Option<i64>| -> ArrayRef {
        Arc::new(
            rows.iter()
                .map(f)
                .collect::<TimestampMillisecondArray>()
                .with_timezone("UTC"),
        )
    };
    let mut by = ListBuilder::new(StringBuilder::new());
    for r in rows {
        for g in &r.granted_by {
            by.values().append_value(g);
        }
        by.append(true);
    }
    let cols: Vec<ArrayRef> = vec![
        s(|r| &r.account),
        s(|r| &r.principal),
        s(|r| &r.principal_type),
        s(|r| &r.action),
        s(|r| &r.service),
        s(|r| &r.access_level),
        b(|r| r.granted),
        b(|r| r.conditional),
        b(|r| r.used),
        b(|r| r.observable),
        n(|r| r.use_count),
        n(|r| r.denied_count),
        t(|r| r.first_used),
        t(|r| r.last_used),
        Arc::new(by.finish()),
        Arc::new(rows.iter().map(|r| r.suggested).collect::<StringArray>()),
    ];
    RecordBatch::try_new(schema(), cols)
}
