//! Permission rows for use alone: actions of principals that are not in the authorization
//! details (or not in the catalog), and the window test both kinds of row share.

use super::PermissionRow;
use crate::iam::catalog::catalog;
use crate::time::Window;
use crate::usage::{ActionUse, PrincipalActions};

pub(super) fn in_window(w: Option<Window>, t: Option<i64>) -> bool {
    match (w, t) {
        (Some(w), Some(t)) => t >= w.start,
        (None, Some(_)) => true,
        _ => false,
    }
}

pub(super) fn used_only_row(
    arn: &str,
    pa: &PrincipalActions,
    action: &str,
    u: &ActionUse,
    w: Option<Window>,
) -> PermissionRow {
    let c = catalog();
    let id = c.lookup(action);
    let (service, level) = match id {
        Some(id) => (
            c.get(id).service.to_string(),
            c.get(id).access.as_str().to_string(),
        ),
        None => (
            action.split(':').next().unwrap_or("").to_string(),
            "Unknown".to_string(),
        ),
    };
    PermissionRow {
        account: pa.account.clone(),
        principal: arn.to_string(),
        principal_type: pa.principal_type.clone(),
        action: id.map_or_else(|| action.to_string(), |id| c.get(id).full_name()),
        service,
        access_level: level,
        granted: false,
        conditional: false,
        used: u.count > 0 && in_window(w, u.last),
        observable: true,
        use_count: u.count,
        denied_count: u.denied,
        first_used: u.first,
        last_used: u.last,
        granted_by: Vec::new(),
        suggested: None,
    }
}
