//! Loading: [`Inventory::load`] and friends read files, place each page under its accounts
//! (AWS managed policies and pages that name no account included), deduplicate entities by ARN
//! and build one [`AccountDetails`] per account. Every entity is checked first
//! ([`super::validate`]): one that IAM could not have produced is left out and named in
//! [`Inventory::rejected`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::model::{AccountDetails, DetailsError, Group, Inventory, ManagedPolicy, Role, User};
use super::pages::{Page, parse_page, split_documents};
use super::parse::{Arn, Ctx};
use super::validate::Rejected;

impl Inventory {
    /// Reads and merges the given files (pages of one or more accounts).
    pub fn load(paths: &[PathBuf]) -> Result<Inventory, DetailsError> {
        let mut b = Builder::default();
        for path in paths {
            let name = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|source| DetailsError::Io {
                file: name.clone(),
                source,
            })?;
            b.add(path, &name, &bytes)?;
        }
        b.finish()
    }

    /// Parses one file's bytes; `name` is used in errors and as the source.
    pub fn parse_bytes(name: &str, bytes: &[u8]) -> Result<Inventory, DetailsError> {
        Self::parse_files([(name, bytes)])
    }

    /// Parses and merges several files given as `(name, bytes)`, like [`Inventory::load`].
    pub fn parse_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<Inventory, DetailsError> {
        let mut b = Builder::default();
        for (name, bytes) in files {
            b.add(Path::new(name), name, bytes)?;
        }
        b.finish()
    }
}

#[derive(Default)]
struct AccountBuilder {
    partition: String,
    users: BTreeMap<String, User>,
    groups: BTreeMap<String, Group>,
    roles: BTreeMap<String, Role>,
    policies: BTreeMap<String, ManagedPolicy>,
    sources: Vec<PathBuf>,
    /// A page with `IsTruncated` false (or absent) was seen.
    saw_last_page: bool,
}

impl AccountBuilder {
    fn add_policy(&mut self, p: ManagedPolicy) {
        match self.policies.get_mut(&p.arn) {
            Some(old) if old.default_document.is_none() && p.default_document.is_some() => *old = p,
            Some(_) => {}
            None => {
                self.policies.insert(p.arn.clone(), p);
            }
        }
    }

    fn note_source(&mut self, source: &Path, truncated: bool) {
        if !self.sources.iter().any(|s| s == source) {
            self.sources.push(source.to_path_buf());
        }
        self.saw_last_page |= !truncated;
    }

    fn finish(self, account: String) -> AccountDetails {
        let mut users: Vec<User> = self.users.into_values().collect();
        let mut groups: Vec<Group> = self.groups.into_values().collect();
        let mut roles: Vec<Role> = self.roles.into_values().collect();
        users.sort_by(|a, b| a.name.cmp(&b.name));
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        roles.sort_by(|a, b| a.name.cmp(&b.name));
        AccountDetails {
            account,
            partition: self.partition,
            users,
            groups,
            roles,
            policies: self.policies.into_values().collect(),
            sources: self.sources,
            truncated: !self.saw_last_page,
        }
    }
}

/// A page holding only AWS managed policies, in a file that names no account.
struct Orphan {
    file: String,
    source: PathBuf,
    page: Page,
}

#[derive(Default)]
struct Builder {
    accounts: BTreeMap<String, AccountBuilder>,
    orphans: Vec<Orphan>,
    rejected: Vec<Rejected>,
}

impl Builder {
    fn add(&mut self, source: &Path, file: &str, bytes: &[u8]) -> Result<(), DetailsError> {
        let docs = split_documents(file, bytes)?;
        let several = docs.len() > 1;
        let mut pages = Vec::with_capacity(docs.len());
        for (i, v) in docs.into_iter().enumerate() {
            let ctx = Ctx {
                file,
                document: several.then_some(i + 1),
            };
            let mut page = parse_page(v, ctx)?;
            // Before the page's accounts are read: a rejected entity names none.
            super::validate::screen(&mut page, file, &mut self.rejected);
            pages.push(page);
        }
        // Each page's accounts; a page naming none takes the nearest one before it, else after.
        let own: Vec<Vec<String>> = pages
            .iter()
            .map(|p| p.accounts().into_iter().map(str::to_owned).collect())
            .collect();
        for (i, page) in pages.into_iter().enumerate() {
            let accounts = if own[i].is_empty() {
                let before = own[..i].iter().rev().find(|a| !a.is_empty());
                let after = own[i + 1..].iter().find(|a| !a.is_empty());
                match before.or(after) {
                    Some(a) => a.clone(),
                    None => {
                        self.orphans.push(Orphan {
                            file: file.to_owned(),
                            source: source.to_path_buf(),
                            page,
                        });
                        continue;
                    }
                }
            } else {
                own[i].clone()
            };
            self.place(page, &accounts, source);
        }
        Ok(())
    }

    fn entry(&mut self, arn: &Arn) -> &mut AccountBuilder {
        let acc = self.accounts.entry(arn.account.clone()).or_default();
        if acc.partition.is_empty() {
            acc.partition = arn.partition.clone();
        }
        acc
    }

    /// Files a page's entities under their accounts; AWS managed policies go to every account
    /// of the page.
    fn place(&mut self, page: Page, accounts: &[String], source: &Path) {
        for (arn, u) in page.users {
            self.entry(&arn).users.entry(u.arn.clone()).or_insert(u);
        }
        for (arn, g) in page.groups {
            self.entry(&arn).groups.entry(g.arn.clone()).or_insert(g);
        }
        for (arn, r) in page.roles {
            self.entry(&arn).roles.entry(r.arn.clone()).or_insert(r);
        }
        for (arn, p) in page.policies {
            if arn.account == "aws" {
                for a in accounts {
                    let acc = self.accounts.entry(a.clone()).or_default();
                    if acc.partition.is_empty() {
                        acc.partition = arn.partition.clone();
                    }
                    acc.add_policy(p.clone());
                }
            } else {
                self.entry(&arn).add_policy(p);
            }
        }
        for a in accounts {
            self.accounts
                .entry(a.clone())
                .or_default()
                .note_source(source, page.truncated);
        }
    }

    fn finish(mut self) -> Result<Inventory, DetailsError> {
        super::validate::report(&mut self.rejected);
        let orphans = std::mem::take(&mut self.orphans);
        for o in orphans {
            let only = (self.accounts.len() == 1)
                .then(|| self.accounts.keys().next().cloned())
                .flatten();
            let has_content = !o.page.policies.is_empty();
            match only {
                Some(account) => self.place(o.page, &[account], &o.source),
                // A page with nothing in it at all has nothing to lose.
                None if !has_content => {}
                None => {
                    let reason = if self.accounts.is_empty() {
                        "holds only AWS managed policies and no input names an account (no \
                         user, group, role or customer managed policy ARN): give the account's \
                         other pages too"
                            .to_owned()
                    } else {
                        format!(
                            "holds only AWS managed policies, so its account cannot be told, and \
                             the inputs cover several accounts ({}): put each page in the same \
                             file as other pages of its account",
                            self.accounts.keys().cloned().collect::<Vec<_>>().join(", ")
                        )
                    };
                    return Err(DetailsError::UnknownAccount {
                        file: o.file,
                        document: o.page.document,
                        reason,
                    });
                }
            }
        }
        Ok(Inventory {
            accounts: self
                .accounts
                .into_iter()
                .map(|(id, b)| (id.clone(), b.finish(id)))
                .collect(),
            rejected: self.rejected,
        })
    }
}
