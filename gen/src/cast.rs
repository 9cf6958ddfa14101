//! The stable cast of principals and resource names of each account.

use crate::catalog::{self, *};
use crate::util::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    KeyUser,
    ConsoleUser,
    Role,
    Service,
    Saml,
    Sso,
    External,
    SvcEvent,
    Root,
}

#[derive(Clone, Copy)]
enum Sess {
    None,
    Instance,
    Fixed(&'static str),
}

#[derive(Clone, Copy)]
enum Ip {
    Office,
    Home,
    Ci,
    OnPrem,
    Saas,
    Nat,
    Lambda,
    Host,
}

struct T {
    label: &'static str,
    kind: Kind,
    sess: Sess,
    path: &'static str,
    w: u32,
    mask: u32,
    extra: &'static [&'static str],
    ua: &'static [&'static str],
    ip: Ip,
    mfa: bool,
    night: bool,
    target: Option<&'static str>,
    /// Service-linked role sessions: the AWS service that calls on the role's behalf.
    via: Option<&'static str>,
}

const UA_TF: &str = "APN/1.0 HashiCorp/1.0 Terraform/1.6.6 (+https://www.terraform.io) terraform-provider-aws/5.31.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64";
const UA_CLI_OLD: &str =
    "aws-cli/1.18.69 Python/2.7.18 Linux/4.14.200-155.322.amzn2.x86_64 botocore/1.16.19";
const UA_CLI: &str = "aws-cli/2.15.10 Python/3.11.6 Darwin/23.2.0 exe/x86_64 prompt/off command/ec2.describe-instances";
const UA_BOTO: &str = "Boto3/1.34.11 md/Botocore#1.34.11 ua/2.0 os/linux#5.10.205-195.804.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.11";
const UA_JAVA: &str = "aws-sdk-java/2.21.29 Linux/5.10.205-195.804.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.9+8-LTS Java/17.0.9 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy";
const UA_SSM: &str = "aws-sdk-go/1.44.302 (go1.20.6; linux; amd64) amazon-ssm-agent/3.2.1705.0";
const UA_NODE: &str =
    "aws-sdk-nodejs/2.1460.0 linux/v18.18.2 exec-env/AWS_Lambda_nodejs18.x promise";
const UA_BROWSER: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const UA_CONSOLE: &str = "AWS Internal";
const UA_S3CONSOLE: &str = "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10.198-165.793.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.372-b08 java/1.8.0_372 vendor/Oracle_Corporation cfg/retry-mode/standard]";
pub const UA_ATTACKER: &str =
    "aws-cli/1.16.312 Python/2.7.16 Linux/4.19.0-kali1-amd64 botocore/1.13.48";
pub const IP_ATTACKER: &str = "185.220.101.47";

const fn t(label: &'static str, kind: Kind, w: u32, mask: u32) -> T {
    T {
        label,
        kind,
        sess: Sess::None,
        path: "/",
        w,
        mask,
        extra: &[],
        ua: &[UA_BOTO],
        ip: Ip::Host,
        mfa: false,
        night: true,
        target: None,
        via: None,
    }
}

#[rustfmt::skip]
const CAST: &[T] = &[
    T { extra: &["cloudformation:DescribeStacks", "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet", "ecr:GetAuthorizationToken", "ecr:PutImage", "iam:GetRole"], ua: &[UA_TF], ip: Ip::Ci, ..t("ci-deploy", Kind::KeyUser, 60, S3R | S3W | LAMR | LAMW | STS) },
    T { extra: &["sts:GetCallerIdentity", "ec2:CreateSnapshot", "ec2:DescribeSnapshots", "ec2:DescribeVolumes"], ua: &[UA_CLI_OLD], ip: Ip::OnPrem, ..t("legacy-backup", Kind::KeyUser, 25, S3R | S3W | DDB) },
    T { extra: &["cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "iam:ListAccountAliases"], ip: Ip::Saas, ..t("monitoring-agent", Kind::KeyUser, 40, MISCR | EC2R) },
    T { ua: &[UA_BROWSER, UA_CONSOLE, UA_S3CONSOLE], ip: Ip::Office, mfa: true, night: false, ..t("alice.admin", Kind::ConsoleUser, 15, READS | IAMW | EC2W | SIGNIN | KMS | SEC | SSM | DDB) },
    T { ua: &[UA_BROWSER, UA_CONSOLE], ip: Ip::Home, night: false, ..t("bob.dev", Kind::ConsoleUser, 10, LAMR | LAMW | LOGS | S3R | DDB | SIGNIN | MISCR) },
    T { sess: Sess::Instance, extra: &["ec2:DescribeTags"], ua: &[UA_JAVA, UA_SSM], ip: Ip::Nat, ..t("AppServerRole", Kind::Role, 250, S3R | S3W | DDB | KMS | SSM | SEC | LOGS | SSMAGENT) },
    T { sess: Sess::Fixed("orders-processor"), path: "/service-role/", extra: &["sqs:GetQueueAttributes", "sns:Publish", "s3:GetObject", "s3:PutObject"], ua: &[UA_NODE], ip: Ip::Lambda, ..t("orders-processor-role", Kind::Role, 150, DDB | KMS | SEC | LOGS) },
    T { sess: Sess::Fixed("jane.doe@example.com"), path: "/aws-reserved/sso.amazonaws.com/", ua: &[UA_CONSOLE, UA_BROWSER, UA_S3CONSOLE], ip: Ip::Office, night: false, ..t("AWSReservedSSO_AdministratorAccess", Kind::Role, 20, READS | EC2W | IAMW | LAMW | MISCW | SIGNIN | KMS | SEC | SSM | DDB) },
    T { sess: Sess::Fixed("dev.ops@example.com"), path: "/aws-reserved/sso.amazonaws.com/", ua: &[UA_CONSOLE, UA_BROWSER], ip: Ip::Home, night: false, ..t("AWSReservedSSO_ReadOnlyAccess", Kind::Role, 10, READS | SIGNIN) },
    T { sess: Sess::Fixed("carol@example.com"), ua: &[UA_CLI], ip: Ip::Home, night: false, ..t("ADFS-Developers", Kind::Role, 10, EC2R | LOGS | LAMR | S3R | CT) },
    T { sess: Sess::Fixed("security-audit"), extra: &["s3:ListBuckets", "s3:GetBucketAcl", "s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock", "config:DescribeConfigRules"], ip: Ip::Saas, ..t("CrossAccountAuditRole", Kind::Role, 10, IAMR | CT) },
    T { extra: &["s3:GetBucketAcl", "s3:GetBucketPolicy", "s3:GetBucketVersioning", "iam:GetRole", "iam:ListAttachedRolePolicies", "lambda:GetFunction20150331v2"], ..t("config.amazonaws.com", Kind::Service, 20, CONFIG | EC2R) },
    T { sess: Sess::Fixed("AWSConfig-Describe"), path: "/aws-service-role/config.amazonaws.com/", extra: &["s3:GetBucketAcl", "s3:GetBucketPolicy", "s3:GetBucketVersioning", "s3:GetBucketEncryption", "iam:GetRole", "iam:ListAttachedRolePolicies", "lambda:GetFunction20150331v2", "kms:DescribeKey", "rds:DescribeDBInstances"], ua: &["config.amazonaws.com"], via: Some("config.amazonaws.com"), ..t("AWSServiceRoleForConfig", Kind::Role, 40, CONFIG | EC2R) },
    T { extra: &["kms:GenerateDataKey", "s3:GetBucketAcl"], ..t("cloudtrail.amazonaws.com", Kind::Service, 40, 0) },
    T { extra: &["sts:AssumeRole"], target: Some("AppServerRole"), ..t("ec2.amazonaws.com", Kind::Service, 10, 0) },
    T { extra: &["sts:AssumeRole", "kms:Decrypt"], target: Some("orders-processor-role"), ..t("lambda.amazonaws.com", Kind::Service, 15, 0) },
    T { extra: &["ec2:DescribeNetworkInterfaces", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeInstances"], ..t("elasticloadbalancing.amazonaws.com", Kind::Service, 10, 0) },
    T { ua: &[UA_BROWSER], ip: Ip::Home, target: Some("ADFS-Developers"), night: false, ..t("carol@example.com", Kind::Saml, 3, SAML) },
    T { ua: &[UA_BROWSER], ip: Ip::Office, night: false, ..t("jane.doe@example.com", Kind::Sso, 3, SSO) },
    T { ip: Ip::Saas, target: Some("CrossAccountAuditRole"), ..t("external-auditor", Kind::External, 2, ASSUME) },
    T { ua: &[UA_CONSOLE], ..t("aws-internal", Kind::SvcEvent, 3, SVCE) },
    T { ua: &[UA_BROWSER], ip: Ip::Home, ..t("root", Kind::Root, 0, 0) },
];

pub struct Principal {
    pub label: &'static str,
    pub kind: Kind,
    pub arn: String,
    /// userIdentity JSON up to the accessKeyId value (or all of it when there is no key).
    pub ident_a: String,
    pub static_key: Option<String>,
    pub session_key: bool,
    /// After the key, up to the creationDate value (when `has_session`) or to the end.
    pub ident_b: String,
    pub has_session: bool,
    pub ident_c: String,
    /// Tail used by ConsoleLogin events (accessKeyId "" and no session context).
    pub login_tail: String,
    pub console: bool,
    pub mfa: bool,
    pub ips: Vec<String>,
    pub uas: &'static [&'static str],
    pub tls: bool,
    pub vpce: bool,
    pub user_name: String,
    pub role_id: String,
    pub role_arn: String,
    pub session: String,
    pub target: Option<usize>,
    pub seed: u64,
    /// [0] = us-east-1 (everything), [1] = other regions (no global services).
    pub cum: [Vec<u32>; 2],
    pub apis: [Vec<u16>; 2],
    w: u32,
    night: bool,
}

pub struct Account {
    /// Seed for per-account pools (object keys, item keys) that recur across events.
    pub seed: u64,
    pub id: String,
    pub ext_id: String,
    pub principals: Vec<Principal>,
    /// Principal draw tables indexed by [region class][night].
    pub pcum: [[Vec<u32>; 2]; 2],
    pub pidx: [[Vec<u16>; 2]; 2],
    pub buckets: Vec<String>,
    pub tables: Vec<&'static str>,
    pub functions: Vec<&'static str>,
    pub log_groups: Vec<String>,
    pub secrets: Vec<String>,
    pub params: Vec<&'static str>,
    pub instances: Vec<String>,
    pub stacks: Vec<&'static str>,
    pub clusters: Vec<&'static str>,
    pub keys: Vec<String>,
    pub queues: Vec<&'static str>,
    pub repos: Vec<&'static str>,
    pub zones: Vec<String>,
    pub dbs: Vec<&'static str>,
    pub users: Vec<String>,
    pub roles: Vec<String>,
    pub policies: Vec<String>,
    pub vpce: String,
    pub trail_arn: String,
}

impl Account {
    pub fn find(&self, label: &str) -> usize {
        self.principals
            .iter()
            .position(|p| p.label == label)
            .expect("cast member")
    }
}

fn ip_for(rng: &mut Rng, k: Ip, label: &str) -> Vec<String> {
    let mut v = |a: u64, b: u64, n: usize| -> Vec<String> {
        (0..n)
            .map(|_| {
                format!(
                    "{}.{}.{}.{}",
                    a,
                    b + rng.below(4),
                    rng.range(1, 254),
                    rng.range(1, 254)
                )
            })
            .collect()
    };
    match k {
        Ip::Office => v(198, 51, 2),
        Ip::Home => v(86, 140, 2),
        Ip::Ci => v(20, 102, 3),
        Ip::OnPrem => v(203, 0, 1),
        Ip::Saas => v(34, 224, 2),
        Ip::Nat => v(54, 160, 2),
        Ip::Lambda => v(3, 80, 3),
        Ip::Host => vec![label.to_string()],
    }
}

pub fn account_id(rng: &mut Rng) -> String {
    format!("{}{:011}", rng.range(1, 9), rng.below(100_000_000_000))
}

pub fn build_account(seed: u64, idx: usize, id: String, ext_id: String, mgmt: &str) -> Account {
    let mut rng = Rng::new(mix(seed, 0xacc0 + idx as u64));
    let r = &mut rng;
    let acct = id.as_str();
    let mut principals = Vec::new();
    for tm in CAST {
        if tm.kind == Kind::Sso && idx != 0 {
            continue; // IAM Identity Center lives in the management account.
        }
        let label = tm.label;
        let session = match tm.sess {
            Sess::None => String::new(),
            Sess::Instance => rand_str(r, push_hex, "i-0", 16),
            Sess::Fixed(s) => s.to_string(),
        };
        let role_name = if tm.path.contains("sso") {
            rand_str(r, push_hex, &format!("{label}_"), 16)
        } else {
            label.to_string()
        };
        let aida = rand_str(r, push_b32, "AIDA", 17);
        let aroa = rand_str(r, push_b32, "AROA", 17);
        let akia = rand_str(r, push_b32, "AKIA", 16);
        let mut p = Principal {
            label,
            kind: tm.kind,
            arn: String::new(),
            ident_a: String::new(),
            static_key: None,
            session_key: false,
            ident_b: String::new(),
            has_session: false,
            ident_c: String::new(),
            login_tail: String::new(),
            console: false,
            mfa: tm.mfa,
            ips: match tm.via {
                Some(v) => vec![v.to_string()],
                None => ip_for(r, tm.ip, label),
            },
            uas: if tm.kind == Kind::Service { &[] } else { tm.ua },
            tls: !matches!(tm.kind, Kind::Service | Kind::SvcEvent) && tm.via.is_none(),
            vpce: label == "AppServerRole",
            user_name: String::new(),
            role_id: aroa.clone(),
            role_arn: String::new(),
            session: session.clone(),
            target: None,
            seed: r.next_u64(),
            cum: [Vec::new(), Vec::new()],
            apis: [Vec::new(), Vec::new()],
            w: tm.w,
            night: tm.night,
        };
        let mfa = if tm.mfa { "true" } else { "false" };
        match tm.kind {
            Kind::KeyUser | Kind::ConsoleUser => {
                p.arn = format!("arn:aws:iam::{acct}:user/{label}");
                p.user_name = label.to_string();
                p.ident_a = format!(
                    r#"{{"type":"IAMUser","principalId":"{aida}","arn":"{}","accountId":"{acct}","accessKeyId":""#,
                    p.arn
                );
                p.login_tail = format!(r#"","userName":"{label}"}}"#);
                if tm.kind == Kind::KeyUser {
                    p.static_key = Some(akia);
                    p.ident_b = p.login_tail.clone();
                } else {
                    p.session_key = true;
                    p.console = true;
                    p.has_session = true;
                    p.ident_b = format!(
                        r#"","userName":"{label}","sessionContext":{{"sessionIssuer":{{}},"webIdFederationData":{{}},"attributes":{{"creationDate":""#
                    );
                    p.ident_c = format!(r#"","mfaAuthenticated":"{mfa}"}}}}}}"#);
                }
            }
            Kind::Role => {
                let role_arn = format!("arn:aws:iam::{acct}:role{}{role_name}", tm.path);
                p.arn = format!("arn:aws:sts::{acct}:assumed-role/{role_name}/{session}");
                p.session_key = true;
                p.has_session = true;
                p.console = tm.path.contains("sso");
                p.user_name = role_name.clone();
                p.ident_a = format!(
                    r#"{{"type":"AssumedRole","principalId":"{aroa}:{session}","arn":"{}","accountId":"{acct}","accessKeyId":""#,
                    p.arn
                );
                p.ident_b = format!(
                    r#"","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"{aroa}","arn":"{role_arn}","accountId":"{acct}","userName":"{role_name}"}},"webIdFederationData":{{}},"attributes":{{"creationDate":""#
                );
                let ec2 = if tm.sess.is_instance() {
                    r#","ec2RoleDelivery":"2.0""#
                } else {
                    ""
                };
                let via = tm
                    .via
                    .map(|v| format!(r#","invokedBy":"{v}""#))
                    .unwrap_or_default();
                p.ident_c = format!(r#"","mfaAuthenticated":"false"}}{ec2}}}{via}}}"#);
                p.role_arn = role_arn;
            }
            Kind::Service => {
                p.arn = label.to_string();
                p.ident_a = format!(r#"{{"type":"AWSService","invokedBy":"{label}"}}"#);
            }
            Kind::Saml => {
                let h = rand_str(r, push_b64, "", 27).replace(['+', '/'], "x");
                p.arn = format!("arn:aws:iam::{acct}:saml-provider/ADFS");
                p.user_name = label.to_string();
                p.ident_a = format!(
                    r#"{{"type":"SAMLUser","principalId":"{h}=:{label}","userName":"{label}","identityProvider":"{h}="}}"#
                );
            }
            Kind::Sso => {
                let uid = rand_str(r, push_hex, "906755a8bc-", 8);
                let store = rand_str(r, push_hex, "d-9067", 6);
                p.arn = label.to_string();
                p.user_name = label.to_string();
                let cred = uuid(r);
                p.ident_a = format!(
                    r#"{{"type":"Unknown","principalId":"{acct}","accountId":"{acct}","userName":"{label}","onBehalfOf":{{"userId":"{uid}","identityStoreArn":"arn:aws:identitystore::{acct}:identitystore/{store}"}},"credentialId":"{cred}"}}"#
                );
            }
            Kind::External => {
                p.arn = format!("arn:aws:iam::{ext_id}:user/auditor");
                p.ident_a = format!(
                    r#"{{"type":"AWSAccount","principalId":"{aida}","accountId":"{ext_id}"}}"#
                );
            }
            Kind::SvcEvent => {
                p.ident_a = format!(r#"{{"accountId":"{acct}","invokedBy":"AWS Internal"}}"#);
            }
            Kind::Root => {
                p.arn = format!("arn:aws:iam::{acct}:root");
                p.user_name = "root".into();
                p.session_key = true;
                p.has_session = true;
                p.console = true;
                p.ident_a = format!(
                    r#"{{"type":"Root","principalId":"{acct}","arn":"{}","accountId":"{acct}","accessKeyId":""#,
                    p.arn
                );
                p.ident_b = r#"","sessionContext":{"sessionIssuer":{},"webIdFederationData":{},"attributes":{"creationDate":""#.into();
                p.ident_c = r#"","mfaAuthenticated":"false"}}}"#.into();
                p.login_tail = r#""}"#.into();
            }
        }
        // API draw tables.
        let service = tm.kind == Kind::Service;
        let extra: Vec<usize> = tm.extra.iter().map(|s| catalog::api(s)).collect();
        for class in 0..2 {
            let mut acc = 0u32;
            for (i, api) in APIS.iter().enumerate() {
                let wanted = api.group & tm.mask != 0 || extra.contains(&i);
                if !wanted || api.w == 0 || (class == 1 && api.global() && !service) {
                    continue;
                }
                acc += api.w;
                p.cum[class].push(acc);
                p.apis[class].push(i as u16);
            }
        }
        principals.push((p, tm.target));
    }
    let labels: Vec<&'static str> = principals.iter().map(|(p, _)| p.label).collect();
    let principals: Vec<Principal> = principals
        .into_iter()
        .map(|(mut p, target)| {
            p.target = target.map(|t| labels.iter().position(|l| *l == t).expect("target"));
            p
        })
        .collect();
    let mut pcum: [[Vec<u32>; 2]; 2] = Default::default();
    let mut pidx: [[Vec<u16>; 2]; 2] = Default::default();
    for class in 0..2 {
        for night in 0..2 {
            let mut acc = 0;
            for (i, p) in principals.iter().enumerate() {
                let w = if night == 1 && !p.night { p.w / 5 } else { p.w };
                if w == 0 || p.cum[class].is_empty() {
                    continue;
                }
                acc += w;
                pcum[class][night].push(acc);
                pidx[class][night].push(i as u16);
            }
        }
    }
    let users = principals
        .iter()
        .filter(|p| matches!(p.kind, Kind::KeyUser | Kind::ConsoleUser))
        .map(|p| p.label.to_string())
        .chain(["svc-reporting".into(), "ops-breakglass".into()])
        .collect();
    let roles = principals
        .iter()
        .filter(|p| p.kind == Kind::Role)
        .map(|p| p.user_name.clone())
        .chain([
            "OrganizationAccountAccessRole".into(),
            "AWSServiceRoleForConfig".into(),
        ])
        .collect();
    let policies = [
        "AdministratorAccess",
        "ReadOnlyAccess",
        "AmazonS3FullAccess",
        "SecurityAudit",
    ]
    .iter()
    .map(|n| format!("arn:aws:iam::aws:policy/{n}"))
    .chain([format!("arn:aws:iam::{acct}:policy/app-least-privilege")])
    .collect();
    Account {
        seed: r.next_u64(),
        buckets: ["data", "artifacts", "logs", "backups", "reports"]
            .iter()
            .map(|b| format!("acme-{b}-{acct}"))
            .collect(),
        tables: vec!["orders", "sessions", "inventory", "customers"],
        functions: vec![
            "orders-processor",
            "thumbnail-generator",
            "auth-authorizer",
            "nightly-report",
        ],
        log_groups: [
            "/aws/lambda/orders-processor",
            "/aws/lambda/nightly-report",
            "/ecs/web",
            "/var/log/messages",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        secrets: [
            "prod/orders/db",
            "prod/api/stripe-key",
            "prod/web/session-key",
        ]
        .iter()
        .map(|s| rand_str(r, push_alnum, &format!("{s}-"), 6))
        .collect(),
        params: vec![
            "/app/prod/db_host",
            "/app/prod/feature_flags",
            "/app/prod/api_url",
            "/cwagent/config",
        ],
        instances: (0..6).map(|_| rand_str(r, push_hex, "i-0", 16)).collect(),
        stacks: vec![
            "web-prod",
            "orders-prod",
            "network-baseline",
            "StackSet-guardrails",
        ],
        clusters: vec!["web-prod", "batch"],
        keys: (0..3).map(|_| uuid(r)).collect(),
        queues: vec!["orders-queue", "orders-dlq", "thumbnails"],
        repos: vec!["web", "orders-processor", "base-images"],
        zones: (0..2).map(|_| rand_str(r, push_b32, "Z0", 18)).collect(),
        dbs: vec!["orders-db-1", "reporting-db"],
        users,
        roles,
        policies,
        vpce: rand_str(r, push_hex, "vpce-0", 16),
        trail_arn: format!("arn:aws:cloudtrail:us-east-1:{mgmt}:trail/org-trail"),
        id,
        ext_id,
        principals,
        pcum,
        pidx,
    }
}

impl Sess {
    fn is_instance(&self) -> bool {
        matches!(self, Sess::Instance)
    }
}
