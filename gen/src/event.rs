//! Renders one CloudTrail record as compact JSON, by hand, into a reused String.

use std::fmt::Write as _;

use crate::cast::{Account, Kind, Principal};
use crate::catalog::{Api, Style};
use crate::params::params;
use crate::util::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fail {
    Denied,
    Throttled,
}

pub struct Ev<'a> {
    pub acct: &'a Account,
    pub p: &'a Principal,
    pub api: &'a Api,
    pub t: i64,
    pub region: &'a str,
    pub fail: Option<Fail>,
    /// Rare AwsServiceEvent records carry no userIdentity at all.
    pub no_identity: bool,
    /// Failed console login for an unknown user name.
    pub hidden_user: bool,
    pub ip: Option<&'static str>,
    pub ua: Option<&'static str>,
    /// Overrides the user/role name chosen by IAM-style parameters.
    pub name: Option<&'static str>,
    pub policy: Option<&'static str>,
}

impl<'a> Ev<'a> {
    pub fn new(acct: &'a Account, p: &'a Principal, api: &'a Api, t: i64, region: &'a str) -> Self {
        Ev {
            acct,
            p,
            api,
            t,
            region,
            fail: None,
            no_identity: false,
            hidden_user: false,
            ip: None,
            ua: None,
            name: None,
            policy: None,
        }
    }
}

#[derive(Default)]
pub struct Scratch {
    pub(crate) res: String,
    pub(crate) sed: String,
    /// S3 virtual-hosted bucket host, for tlsDetails.clientProvidedHostHeader.
    pub(crate) host: String,
}

/// Sign-ins come from a browser even for principals whose API calls come through the console.
const LOGIN_UA: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

/// (eventVersion, minor, weight)
const VERSIONS: [(&str, u8, u64); 7] = [
    ("1.05", 5, 2),
    ("1.06", 6, 3),
    ("1.07", 7, 5),
    ("1.08", 8, 50),
    ("1.09", 9, 30),
    ("1.10", 10, 7),
    ("1.11", 11, 3),
];

fn pick_version(rng: &mut Rng) -> (&'static str, u8) {
    let mut x = rng.below(100);
    for (v, m, w) in VERSIONS {
        if x < w {
            return (v, m);
        }
        x -= w;
    }
    ("1.08", 8)
}

pub(crate) fn push_kv(out: &mut String, key: &str, val: &str) {
    out.push('"');
    out.push_str(key);
    out.push_str("\":\"");
    out.push_str(val);
    out.push('"');
}

fn write_identity(out: &mut String, ev: &Ev, login: bool) {
    let p = ev.p;
    if ev.hidden_user {
        out.push_str(r#"{"type":"IAMUser","accountId":""#);
        out.push_str(&ev.acct.id);
        out.push_str(r#"","accessKeyId":"","userName":"HIDDEN_DUE_TO_SECURITY_REASONS"}"#);
        return;
    }
    out.push_str(&p.ident_a);
    if login && matches!(p.kind, Kind::KeyUser | Kind::ConsoleUser | Kind::Root) {
        out.push_str(&p.login_tail);
        return;
    }
    let block = ev.t.div_euclid(14_400);
    if let Some(k) = &p.static_key {
        out.push_str(k);
    } else if p.session_key && !login {
        let mut r = Rng::new(mix(p.seed, block as u64));
        out.push_str("ASIA");
        push_b32(out, &mut r, 16);
    }
    out.push_str(&p.ident_b);
    if p.has_session {
        push_time(out, block * 14_400 - (p.seed % 900) as i64);
        out.push_str(&p.ident_c);
    }
}

pub fn write_event(out: &mut String, s: &mut Scratch, ev: &Ev, rng: &mut Rng) {
    let (api, p, a) = (ev.api, ev.p, ev.acct);
    let (ver, minor) = pick_version(rng);
    let login = api.style == Style::ConsoleLogin;
    let ua = ev.ua.unwrap_or_else(|| {
        if login {
            LOGIN_UA
        } else if p.uas.is_empty() {
            p.label
        } else {
            rng.pick_str(p.uas)
        }
    });
    let internal = ua == "AWS Internal" || api.svc_event();
    let vpce = p.vpce && api.data() && rng.chance(7000);
    out.push_str(r#"{"eventVersion":""#);
    out.push_str(ver);
    out.push('"');
    if !ev.no_identity {
        out.push_str(r#","userIdentity":"#);
        write_identity(out, ev, login);
    }
    out.push_str(r#","eventTime":""#);
    push_time(out, ev.t);
    out.push_str(r#"","eventSource":""#);
    out.push_str(api.src);
    out.push_str(r#".amazonaws.com","eventName":""#);
    out.push_str(api.name);
    out.push_str(r#"","awsRegion":""#);
    out.push_str(ev.region);
    out.push_str(r#"","sourceIPAddress":""#);
    if let Some(ip) = ev.ip {
        out.push_str(ip);
    } else if internal {
        out.push_str("AWS Internal");
    } else if vpce {
        out.push_str("10.0.");
        push_u64(out, rng.range(1, 30));
        out.push('.');
        push_u64(out, rng.range(4, 250));
    } else {
        out.push_str(rng.pick_str(&p.ips));
    }
    out.push_str(r#"","userAgent":""#);
    out.push_str(ua);
    out.push('"');
    match ev.fail {
        Some(_) if login => out.push_str(r#","errorMessage":"Failed authentication""#),
        Some(f) => write_error(out, ev, f, rng),
        None => {}
    }
    s.res.clear();
    s.sed.clear();
    s.host.clear();
    let shared = params(out, s, ev, rng);
    if !api.svc_event() {
        out.push_str(r#","requestID":""#);
        if api.src == "s3" {
            push_hex_upper(out, rng, 16);
        } else {
            push_uuid(out, rng);
        }
        out.push('"');
    }
    out.push_str(r#","eventID":""#);
    push_uuid(out, rng);
    out.push_str(r#"","readOnly":"#);
    out.push_str(if api.ro() { "true" } else { "false" });
    if !s.res.is_empty() {
        out.push_str(r#","resources":["#);
        out.push_str(&s.res);
        out.push(']');
    }
    out.push_str(if api.svc_event() {
        r#","eventType":"AwsServiceEvent""#
    } else {
        r#","eventType":"AwsApiCall""#
    });
    if minor >= 6 {
        out.push_str(if api.data() {
            r#","managementEvent":false"#
        } else {
            r#","managementEvent":true"#
        });
    }
    out.push_str(r#","recipientAccountId":""#);
    out.push_str(&a.id);
    out.push('"');
    if !s.sed.is_empty() {
        out.push_str(r#","serviceEventDetails":"#);
        out.push_str(&s.sed);
    }
    if shared {
        out.push_str(r#","sharedEventID":""#);
        push_uuid(out, rng);
        out.push('"');
    }
    if vpce {
        out.push_str(r#","vpcEndpointId":""#);
        out.push_str(&a.vpce);
        out.push('"');
        if minor >= 9 {
            out.push_str(r#","vpcEndpointAccountId":""#);
            out.push_str(&a.id);
            out.push('"');
        }
    }
    if minor >= 7 {
        out.push_str(if api.data() {
            r#","eventCategory":"Data""#
        } else {
            r#","eventCategory":"Management""#
        });
    }
    if minor >= 8 && p.tls && !internal {
        let tls13 = rng.chance(6000);
        out.push_str(if tls13 {
            r#","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":""#
        } else {
            r#","tlsDetails":{"tlsVersion":"TLSv1.2","cipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","clientProvidedHostHeader":""#
        });
        if s.host.is_empty() {
            push_host(out, api, ev.region, None);
        } else {
            out.push_str(&s.host);
        }
        out.push_str("\"}");
    }
    if minor >= 8 && p.console && !login {
        out.push_str(r#","sessionCredentialFromConsole":"true""#);
    }
    out.push('}');
}

pub(crate) fn push_host(out: &mut String, api: &Api, region: &str, bucket: Option<&str>) {
    match api.src {
        "iam" | "sts" | "route53" => {
            out.push_str(api.src);
            out.push_str(".amazonaws.com");
        }
        "signin" => out.push_str("signin.aws.amazon.com"),
        "sso" => out.push_str("portal.sso.us-east-1.amazonaws.com"),
        src => {
            if let Some(b) = bucket {
                out.push_str(b);
                out.push('.');
            }
            out.push_str(src);
            out.push('.');
            out.push_str(region);
            out.push_str(".amazonaws.com");
        }
    }
}

fn write_error(out: &mut String, ev: &Ev, f: Fail, rng: &mut Rng) {
    let (api, a) = (ev.api, ev.acct);
    let pre = api.action_prefix();
    match (f, api.src) {
        (Fail::Denied, "ec2") => {
            out.push_str(r#","errorCode":"Client.UnauthorizedOperation","errorMessage":"You are not authorized to perform this operation. User: "#);
            out.push_str(&ev.p.arn);
            out.push_str(" is not authorized to perform: ec2:");
            out.push_str(api.name);
            out.push_str(" because no identity-based policy allows the ec2:");
            out.push_str(api.name);
            out.push_str(" action. Encoded authorization failure message: ");
            push_b64(out, rng, 120);
            out.push('"');
        }
        (Fail::Denied, "s3") => out.push_str(r#","errorCode":"AccessDenied","errorMessage":"Access Denied""#),
        (Fail::Denied, src) => {
            let code = match src {
                "iam" | "sts" | "cloudtrail" | "signin" | "sso" => "AccessDenied",
                _ => "AccessDeniedException",
            };
            let _ = write!(
                out,
                r#","errorCode":"{code}","errorMessage":"User: {} is not authorized to perform: {pre}:{} on resource: arn:aws:{pre}:{}:{}:* because no identity-based policy allows the {pre}:{} action""#,
                ev.p.arn,
                api.name,
                if api.global() { "" } else { ev.region },
                a.id,
                api.name
            );
        }
        (Fail::Throttled, "ec2") => {
            out.push_str(r#","errorCode":"Client.RequestLimitExceeded","errorMessage":"Request limit exceeded.""#)
        }
        (Fail::Throttled, _) => out.push_str(r#","errorCode":"ThrottlingException","errorMessage":"Rate exceeded""#),
    }
}
