//! `unused-permissions`: granted versus used. The rule's documentation lives here with the other
//! rules; its findings are computed by the least-privilege step ([`crate::recommend`]), which
//! needs the whole run's usage and the policy engine.

use super::rule_info;

rule_info! {
    id: "unused-permissions",
    anti_pattern: "4, 5",
    severity: Medium,
    title: "Permissions granted but not used",
    inputs: [IamDetails, Cloudtrail],
    what: "Per user and role in the authorization details: how many IAM actions its policies grant (after Deny, boundary and SCPs), how many it used in the window, the services it never touched, and the riskiest unused actions (Permissions management and Write first). Actions CloudTrail cannot show (permission-only such as `iam:PassRole`, data events the trail does not record) are counted apart as unobservable, never as unused. Medium when unused Permissions-management or Write actions remain, low otherwise; principals that used everything they hold are not reported.",
    why: "Every permission a principal holds but does not use is damage an attacker (or a bug) can do with its credentials and nothing the business needs. AWS's least-privilege practice is to grant what is used and review the rest.",
    fix: "Replace the principal's policies with the suggested least-privilege policy in `policies/<account>/<user|role>/<name>.json` (it allows what was used, scoped to the resources touched, never wider than today's grant); review the unobservable actions it keeps and the report next to it first.",
}
