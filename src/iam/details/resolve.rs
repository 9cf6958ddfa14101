//! Every policy that applies to a principal: [`AccountDetails::user_policies`] (with its
//! groups') and [`AccountDetails::role_policies`], each with where it came from
//! ([`PolicySource`]).

use super::model::{
    AccountDetails, AttachedPolicy, InlinePolicy, PolicySource, Role, SourceKind, User,
    is_aws_managed_arn,
};

impl AccountDetails {
    /// Every policy that applies to a user: its inline policies, its attached managed policies
    /// (default version), then for each of its groups the group's inline and attached managed
    /// policies. A group missing from the details gives one [`SourceKind::MissingGroup`] entry.
    /// The permissions boundary is not included (it grants nothing): see
    /// [`User::permissions_boundary`].
    pub fn user_policies<'a>(&'a self, u: &'a User) -> Vec<PolicySource<'a>> {
        let mut out = Vec::new();
        push_inline(&mut out, &u.inline, |_| SourceKind::Inline);
        self.push_managed(&mut out, &u.attached, |aws_managed| SourceKind::Managed {
            aws_managed,
        });
        for group_name in &u.groups {
            match self.group(group_name) {
                Some(g) => {
                    let group = g.name.as_str();
                    push_inline(&mut out, &g.inline, |_| SourceKind::GroupInline { group });
                    self.push_managed(&mut out, &g.attached, |aws_managed| {
                        SourceKind::GroupManaged { group, aws_managed }
                    });
                }
                None => out.push(PolicySource {
                    kind: SourceKind::MissingGroup { group: group_name },
                    name: group_name,
                    arn: None,
                    document: None,
                }),
            }
        }
        out
    }

    /// Every permissions policy of a role: its inline policies, then its attached managed
    /// policies (default version). The trust policy and the permissions boundary are not
    /// included: see [`Role::trust_policy`] and [`Role::permissions_boundary`].
    pub fn role_policies<'a>(&'a self, r: &'a Role) -> Vec<PolicySource<'a>> {
        let mut out = Vec::new();
        push_inline(&mut out, &r.inline, |_| SourceKind::Inline);
        self.push_managed(&mut out, &r.attached, |aws_managed| SourceKind::Managed {
            aws_managed,
        });
        out
    }

    fn push_managed<'a>(
        &'a self,
        out: &mut Vec<PolicySource<'a>>,
        attached: &'a [AttachedPolicy],
        kind: impl Fn(bool) -> SourceKind<'a>,
    ) {
        for a in attached {
            let policy = self.policy(&a.arn);
            out.push(PolicySource {
                kind: kind(policy.map_or_else(|| is_aws_managed_arn(&a.arn), |p| p.aws_managed)),
                name: &a.name,
                arn: Some(&a.arn),
                document: policy.and_then(|p| p.default_document.as_ref()),
            });
        }
    }
}

fn push_inline<'a>(
    out: &mut Vec<PolicySource<'a>>,
    inline: &'a [InlinePolicy],
    kind: impl Fn(&'a InlinePolicy) -> SourceKind<'a>,
) {
    for p in inline {
        out.push(PolicySource {
            kind: kind(p),
            name: &p.name,
            arn: None,
            document: Some(&p.document),
        });
    }
}
