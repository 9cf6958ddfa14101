//! The Parquet files of a generation: `ledger.parquet` (objects read), `event-ids.parquet`
//! (event IDs of the newest days) and `usage.parquet` (per principal and IAM action), each
//! written and fsynced, and read back with errors naming the file and column.

use crate::source::LedgerEntry;
use crate::usage::{ActionUse, PrincipalActions, Usage};
use anyhow::Context;
use arrow_array::{
    Array, ArrayRef, Date32Array, FixedSizeBinaryArray, Int64Array, RecordBatch, StringArray,
    TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

fn ts() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

/// Writes batches to `path` and fsyncs; returns the file's size.
fn write_parquet(path: &Path, schema: SchemaRef, batch: RecordBatch) -> anyhow::Result<u64> {
    let file = File::create(path)?;
    let mut w = parquet::arrow::ArrowWriter::try_new(
        file,
        schema,
        Some(crate::output::activity_parquet::properties()),
    )?;
    if batch.num_rows() > 0 {
        w.write(&batch)?;
    }
    let f = w.into_inner()?;
    f.sync_all()?;
    Ok(f.metadata()?.len())
}

fn read_parquet(path: &Path) -> anyhow::Result<Vec<RecordBatch>> {
    let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.build())
        .with_context(|| format!("{}: not a Parquet file", path.display()))?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading {}", path.display()))
}

fn col<'a, T: 'static>(b: &'a RecordBatch, name: &str, path: &Path) -> anyhow::Result<&'a T> {
    b.column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .with_context(|| {
            format!(
                "{}: column `{name}` missing or of another type",
                path.display()
            )
        })
}

fn opt<A: Array>(a: &A, i: usize) -> bool {
    a.is_valid(i)
}

fn ledger_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::FixedSizeBinary(16), false),
        Field::new("stream", DataType::Utf8, true),
        Field::new("day", DataType::Date32, true),
    ]))
}

pub(super) fn write_ledger(path: &Path, rows: &[LedgerEntry]) -> anyhow::Result<u64> {
    let ids = FixedSizeBinaryArray::try_from_iter(rows.iter().map(|e| e.id.to_be_bytes()))
        .unwrap_or_else(|_| FixedSizeBinaryArray::new_null(16, 0));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(ids),
        Arc::new(
            rows.iter()
                .map(|e| e.stream.as_deref())
                .collect::<StringArray>(),
        ),
        Arc::new(rows.iter().map(|e| e.day).collect::<Date32Array>()),
    ];
    let schema = ledger_schema();
    write_parquet(path, schema.clone(), RecordBatch::try_new(schema, cols)?)
}

pub(super) fn read_ledger(path: &Path) -> anyhow::Result<Vec<LedgerEntry>> {
    let mut out = Vec::new();
    for b in read_parquet(path)? {
        let id = col::<FixedSizeBinaryArray>(&b, "id", path)?;
        let stream = col::<StringArray>(&b, "stream", path)?;
        let day = col::<Date32Array>(&b, "day", path)?;
        for i in 0..b.num_rows() {
            let bytes: [u8; 16] = id
                .value(i)
                .try_into()
                .with_context(|| format!("{}: an id is not 16 bytes", path.display()))?;
            out.push(LedgerEntry {
                id: u128::from_be_bytes(bytes),
                stream: opt(stream, i).then(|| stream.value(i).to_string()),
                day: opt(day, i).then(|| day.value(i)),
            });
        }
    }
    Ok(out)
}

fn event_ids_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("day", DataType::Date32, true),
        Field::new("id", DataType::FixedSizeBinary(16), false),
    ]))
}

pub(super) fn write_event_ids(path: &Path, ids: &[(i32, u128)]) -> anyhow::Result<u64> {
    let keys = FixedSizeBinaryArray::try_from_iter(ids.iter().map(|(_, k)| k.to_be_bytes()))
        .unwrap_or_else(|_| FixedSizeBinaryArray::new_null(16, 0));
    let days: Date32Array = ids
        .iter()
        .map(|(d, _)| (*d != crate::activity::NO_DAY).then_some(*d))
        .collect();
    let schema = event_ids_schema();
    let cols: Vec<ArrayRef> = vec![Arc::new(days), Arc::new(keys)];
    write_parquet(path, schema.clone(), RecordBatch::try_new(schema, cols)?)
}

pub(super) fn read_event_ids(path: &Path) -> anyhow::Result<Vec<(i32, u128)>> {
    let mut out = Vec::new();
    for b in read_parquet(path)? {
        let day = col::<Date32Array>(&b, "day", path)?;
        let id = col::<FixedSizeBinaryArray>(&b, "id", path)?;
        for i in 0..b.num_rows() {
            let bytes: [u8; 16] = id
                .value(i)
                .try_into()
                .with_context(|| format!("{}: an id is not 16 bytes", path.display()))?;
            let d = if opt(day, i) {
                day.value(i)
            } else {
                crate::activity::NO_DAY
            };
            out.push((d, u128::from_be_bytes(bytes)));
        }
    }
    Ok(out)
}

/// The schema of `usage.parquet` (documented in the README).
pub fn usage_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("account", DataType::Utf8, false),
        Field::new("principal", DataType::Utf8, false),
        Field::new("principal_type", DataType::Utf8, false),
        Field::new("action", DataType::Utf8, false),
        Field::new("count", DataType::Int64, false),
        Field::new("denied", DataType::Int64, false),
        Field::new("first", ts(), true),
        Field::new("last", ts(), true),
        Field::new("denied_first", ts(), true),
        Field::new("denied_last", ts(), true),
    ]))
}

pub(super) fn write_usage(path: &Path, usage: &Usage) -> anyhow::Result<u64> {
    let mut principals: Vec<(&Arc<str>, &PrincipalActions)> = usage.actions.iter().collect();
    principals.sort_by(|a, b| a.0.cmp(b.0));
    type UsageRow<'a> = (&'a PrincipalActions, &'a str, &'a str, &'a ActionUse);
    let rows: Vec<UsageRow<'_>> = principals
        .iter()
        .flat_map(|(p, pa)| pa.actions.iter().map(move |(a, u)| (*pa, &***p, &**a, u)))
        .collect();
    let s = |f: &dyn Fn(&UsageRow<'_>) -> String| -> ArrayRef {
        Arc::new(rows.iter().map(|r| Some(f(r))).collect::<StringArray>())
    };
    let n = |f: fn(&ActionUse) -> u64| -> ArrayRef {
        Arc::new(
            rows.iter()
                .map(|r| Some(f(r.3) as i64))
                .collect::<Int64Array>(),
        )
    };
    let t = |f: fn(&ActionUse) -> Option<i64>| -> ArrayRef {
        Arc::new(
            rows.iter()
                .map(|r| f(r.3))
                .collect::<TimestampMillisecondArray>()
                .with_timezone("UTC"),
        )
    };
    let cols: Vec<ArrayRef> = vec![
        s(&|r| r.0.account.clone()),
        s(&|r| r.1.to_string()),
        s(&|r| r.0.principal_type.clone()),
        s(&|r| r.2.to_string()),
        n(|u| u.count),
        n(|u| u.denied),
        t(|u| u.first),
        t(|u| u.last),
        t(|u| u.denied_first),
        t(|u| u.denied_last),
    ];
    let schema = usage_schema();
    write_parquet(path, schema.clone(), RecordBatch::try_new(schema, cols)?)
}

pub(super) fn read_usage(path: &Path, usage: &mut Usage) -> anyhow::Result<()> {
    for b in read_parquet(path)? {
        let account = col::<StringArray>(&b, "account", path)?;
        let principal = col::<StringArray>(&b, "principal", path)?;
        let ptype = col::<StringArray>(&b, "principal_type", path)?;
        let action = col::<StringArray>(&b, "action", path)?;
        let count = col::<Int64Array>(&b, "count", path)?;
        let denied = col::<Int64Array>(&b, "denied", path)?;
        let t = |name: &str| col::<TimestampMillisecondArray>(&b, name, path);
        let (first, last, dfirst, dlast) = (
            t("first")?,
            t("last")?,
            t("denied_first")?,
            t("denied_last")?,
        );
        let get = |a: &TimestampMillisecondArray, i: usize| opt(a, i).then(|| a.value(i));
        for i in 0..b.num_rows() {
            let pa = usage
                .actions
                .entry(Arc::from(principal.value(i)))
                .or_insert_with(|| PrincipalActions {
                    account: account.value(i).to_string(),
                    principal_type: ptype.value(i).to_string(),
                    actions: BTreeMap::new(),
                });
            pa.actions.insert(
                Arc::from(action.value(i)),
                ActionUse {
                    count: count.value(i).max(0) as u64,
                    denied: denied.value(i).max(0) as u64,
                    first: get(first, i),
                    last: get(last, i),
                    denied_first: get(dfirst, i),
                    denied_last: get(dlast, i),
                },
            );
        }
    }
    Ok(())
}
