//! Sharing with everyone: EBS snapshots and AMIs (the group `all`), RDS snapshots and cluster
//! snapshots (`restore` gains `all`).

use super::json::{get, one_or_many, text, texts};
use super::{Change, Place};
use serde_json::Value;

/// Whether an EC2 permission modification adds the group `all`: `<attr>.add.items[].group`, or
/// `operationType` `add` with `userGroup` items.
fn ec2_adds_all(p: &Value, attr: &str) -> bool {
    let items = get(p, attr)
        .and_then(|a| get(a, "add"))
        .and_then(|a| get(a, "items"));
    if one_or_many(items)
        .iter()
        .any(|i| text(i, "group") == Some("all"))
    {
        return true;
    }
    text(p, "operationType") == Some("add")
        && match get(p, "userGroup") {
            Some(g @ Value::Object(_)) => one_or_many(get(g, "items"))
                .iter()
                .any(|i| text(i, "userGroup") == Some("all") || text(i, "group") == Some("all")),
            g => texts(g).contains(&"all"),
        }
}

pub(super) fn ec2(name: &str, p: &Value, at: &Place<'_>) -> Option<Change> {
    match name {
        "ModifySnapshotAttribute" if ec2_adds_all(p, "createVolumePermission") => {
            let id = text(p, "snapshotId").unwrap_or("unknown");
            let arn = format!("arn:{}:ec2:{}::snapshot/{id}", at.partition, at.region);
            let mut c = Change::public(
                arn.clone(),
                format!("EBS snapshot {id} shared publicly"),
                format!(
                    "Remove the public share: `aws ec2 modify-snapshot-attribute --snapshot-id {id} --attribute createVolumePermission --operation-type remove --group-names all`; turn on `aws ec2 enable-snapshot-block-public-access --state block-all-sharing`."
                ),
            );
            c.grants = vec![format!("group all may create volumes from {arn}")];
            Some(c)
        }
        "ModifyImageAttribute" if ec2_adds_all(p, "launchPermission") => {
            let id = text(p, "imageId").unwrap_or("unknown");
            let arn = format!("arn:{}:ec2:{}::image/{id}", at.partition, at.region);
            let mut c = Change::public(
                arn.clone(),
                format!("AMI {id} shared publicly"),
                format!(
                    "Remove the public share: `aws ec2 modify-image-attribute --image-id {id} --launch-permission \"Remove=[{{Group=all}}]\"`; turn on `aws ec2 enable-image-block-public-access --image-block-public-access-state block-new-sharing`."
                ),
            );
            c.grants = vec![format!("group all may launch {arn}")];
            Some(c)
        }
        _ => None,
    }
}

pub(super) fn rds(name: &str, p: &Value, at: &Place<'_>) -> Option<Change> {
    let (id_key, kind, flag, cli) = match name {
        "ModifyDBSnapshotAttribute" => (
            "dBSnapshotIdentifier",
            "snapshot",
            "--db-snapshot-identifier",
            "modify-db-snapshot-attribute",
        ),
        "ModifyDBClusterSnapshotAttribute" => (
            "dBClusterSnapshotIdentifier",
            "cluster-snapshot",
            "--db-cluster-snapshot-identifier",
            "modify-db-cluster-snapshot-attribute",
        ),
        _ => return None,
    };
    if text(p, "attributeName") != Some("restore") || !texts(get(p, "valuesToAdd")).contains(&"all")
    {
        return None;
    }
    let id = text(p, id_key).unwrap_or("unknown");
    let arn = if id.starts_with("arn:") {
        id.to_string()
    } else {
        at.arn("rds", &format!("{kind}:{id}"))
    };
    let what = if kind == "snapshot" {
        "RDS snapshot"
    } else {
        "RDS cluster snapshot"
    };
    let mut c = Change::public(
        arn.clone(),
        format!("{what} {id} shared publicly"),
        format!(
            "Remove the public share: `aws rds {cli} {flag} {id} --attribute-name restore --values-to-remove all`."
        ),
    );
    c.grants = vec![format!("all may restore {arn}")];
    Some(c)
}
