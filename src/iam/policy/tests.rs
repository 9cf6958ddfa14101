//! Tests of the policy model, parser, serializer and analysis.

use super::*;
use serde_json::{Value, json};

fn parse(v: Value) -> Policy {
    Policy::from_value(&v).unwrap_or_else(|e| panic!("{e}: {v}"))
}

fn err(v: Value) -> String {
    match Policy::from_value(&v) {
        Ok(p) => panic!("expected an error for {v}, got {p:?}"),
        Err(e) => e.to_string(),
    }
}

fn is(v: &[&str]) -> Option<Match<Vec<String>>> {
    Some(Match::Is(v.iter().map(|s| s.to_string()).collect()))
}
fn not(v: &[&str]) -> Option<Match<Vec<String>>> {
    Some(Match::Not(v.iter().map(|s| s.to_string()).collect()))
}
fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn one(stmt: Value) -> Statement {
    let mut p = parse(json!({"Version": "2012-10-17", "Statement": stmt}));
    assert_eq!(p.statements.len(), 1);
    p.statements.remove(0)
}

#[test]
fn statement_object_or_array_and_top_level() {
    let p = parse(json!({
        "Version": "2012-10-17", "Id": "key-policy-1",
        "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    }));
    assert_eq!(p.version.as_deref(), Some("2012-10-17"));
    assert_eq!(p.id.as_deref(), Some("key-policy-1"));
    assert_eq!(p.statements.len(), 1);
    let p = parse(json!({"Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]},
        {"Sid": "B", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    ]}));
    assert_eq!(p.version, None);
    assert_eq!(p.statements[0].sid.as_deref(), Some("A"));
    assert_eq!(p.statements[1].effect, Effect::Deny);
    assert_eq!(p.statements[1].label(1), "B");
    assert_eq!(parse(json!({"Statement": []})).statements.len(), 0);
    let p = parse(json!({"Version": "2008-10-17", "Statement": []}));
    assert_eq!(p.version.as_deref(), Some("2008-10-17"));
}

#[test]
fn action_and_resource_shapes() {
    let s =
        one(json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}));
    assert_eq!(s.action, is(&["s3:GetObject"]));
    assert_eq!(s.resource, is(&["arn:aws:s3:::b/*"]));
    let s = one(
        json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                       "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]}),
    );
    assert_eq!(s.action, is(&["s3:GetObject", "s3:ListBucket"]));
    assert_eq!(s.resource, is(&["arn:aws:s3:::b", "arn:aws:s3:::b/*"]));
    let s = one(
        json!({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "NotResource": "arn:aws:s3:::logs/*"}),
    );
    assert_eq!(s.action, not(&["iam:*", "sts:*"]));
    assert_eq!(s.resource, not(&["arn:aws:s3:::logs/*"]));
    // Trust policies have no Resource.
    let s = one(
        json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}),
    );
    assert_eq!(s.resource, None);
    assert_eq!(s.label(0), "Statement[0]");
    let s = one(json!({"Effect": "Allow", "Action": [], "Resource": []}));
    assert_eq!(s.action, is(&[]));
}

#[test]
fn principal_shapes() {
    let p = |v: Value| {
        one(json!({"Effect": "Allow", "Action": "s3:GetObject", "Principal": v}))
            .principal
            .unwrap()
    };
    let any = Principals {
        any: true,
        ..Default::default()
    };
    assert_eq!(p(json!("*")), Match::Is(any.clone()));
    assert_eq!(p(json!({"AWS": "*"})), Match::Is(any.clone()));
    assert_eq!(p(json!({"AWS": ["*"]})), Match::Is(any));
    assert_eq!(
        p(json!({"AWS": ["123456789012", "arn:aws:iam::210987654321:root"]})),
        Match::Is(Principals {
            aws: strs(&["123456789012", "arn:aws:iam::210987654321:root"]),
            ..Default::default()
        })
    );
    assert_eq!(
        p(json!({"Service": ["lambda.amazonaws.com", "events.amazonaws.com"]})),
        Match::Is(Principals {
            service: strs(&["lambda.amazonaws.com", "events.amazonaws.com"]),
            ..Default::default()
        })
    );
    assert_eq!(
        p(json!({"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"})),
        Match::Is(Principals {
            federated: strs(&["arn:aws:iam::111122223333:saml-provider/Okta"]),
            ..Default::default()
        })
    );
    assert_eq!(
        p(
            json!({"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"})
        ),
        Match::Is(Principals {
            canonical_user: strs(&[
                "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
            ]),
            ..Default::default()
        })
    );
    let s = one(json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                       "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/Admin"}}));
    assert_eq!(
        s.principal,
        Some(Match::Not(Principals {
            aws: strs(&["arn:aws:iam::111122223333:role/Admin"]),
            ..Default::default()
        }))
    );
    assert_eq!(p(json!({})), Match::Is(Principals::default()));
    assert!(Principals::default().is_empty());
}

#[test]
fn conditions_values_and_operators() {
    let s = one(
        json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": "111122223333", "s3:prefix": ["a", "b"]},
            "Bool": {"aws:SecureTransport": true},
            "NumericLessThan": {"s3:max-keys": 10, "x:ratio": 1.5},
            "ForAnyValue:StringLikeIfExists": {"aws:PrincipalOrgPaths": ["o-1/r-1/*"]},
            "Null": {"aws:SourceVpce": [false, "true"]}
        }}),
    );
    let got: Vec<(String, String, Vec<String>)> = s
        .conditions
        .iter()
        .map(|c| (c.operator.clone(), c.key.clone(), c.values.clone()))
        .collect();
    let want = |o: &str, k: &str, v: &[&str]| (o.to_string(), k.to_string(), strs(v));
    assert_eq!(
        got,
        vec![
            want("Bool", "aws:SecureTransport", &["true"]),
            want(
                "ForAnyValue:StringLikeIfExists",
                "aws:PrincipalOrgPaths",
                &["o-1/r-1/*"]
            ),
            want("Null", "aws:SourceVpce", &["false", "true"]),
            want("NumericLessThan", "s3:max-keys", &["10"]),
            want("NumericLessThan", "x:ratio", &["1.5"]),
            want("StringEquals", "aws:SourceAccount", &["111122223333"]),
            want("StringEquals", "s3:prefix", &["a", "b"]),
        ]
    );
    let c = &s.conditions[1];
    assert_eq!(c.base_operator(), "StringLike");
    assert!(c.if_exists() && !c.for_all_values() && !c.is_negated());
    assert!(!s.conditions[2].is_negated(), "Null is not a negation");
    assert_eq!(
        c.to_string(),
        "ForAnyValue:StringLikeIfExists aws:PrincipalOrgPaths o-1/r-1/*"
    );
    assert_eq!(s.conditions[6].to_string(), "StringEquals s3:prefix [a, b]");
    assert!(s.conditional());
}

#[test]
fn url_encoded_documents() {
    let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let enc: String =
        percent_encoding::utf8_percent_encode(plain, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    assert!(enc.starts_with("%7B"));
    let a = Policy::parse_str(plain).unwrap();
    assert_eq!(Policy::parse_str(&enc).unwrap(), a);
    let lower_hex = enc
        .replace("%7B", "%7b")
        .replace("%7D", "%7d")
        .replace("%3A", "%3a");
    assert_eq!(Policy::parse_str(&lower_hex).unwrap(), a);
    // Form encoding (`+` for spaces) is read when RFC 3986 decoding gives no JSON.
    let spaced =
        "%7B+%22Statement%22%3A+%7B%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22a%2Bb%22%7D%7D";
    let p = Policy::parse_str(spaced).unwrap();
    assert_eq!(p.statements[0].action, is(&["a+b"]));
    // RFC 3986, as IAM encodes documents: a plus in a value stays a plus.
    let plus = "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22a+b%22%7D%7D";
    assert_eq!(
        Policy::parse_str(plus).unwrap().statements[0].action,
        is(&["a+b"])
    );
    // Whitespace and a BOM around a plain document; a document quoted as a JSON string.
    assert_eq!(
        Policy::parse_str(&format!("\u{feff}\n  {plain}\n")).unwrap(),
        a
    );
    let quoted = serde_json::to_string(plain).unwrap();
    assert_eq!(Policy::parse_str(&quoted).unwrap(), a);
    let quoted_enc = serde_json::to_string(&enc).unwrap();
    assert_eq!(Policy::parse_str(&quoted_enc).unwrap(), a);
    assert!(decode_document(&enc).unwrap().is_object());
    assert_eq!(Policy::parse_str("%FF%FE"), Err(PolicyError::Encoding));
    assert!(matches!(
        Policy::parse_str("%7Bnope"),
        Err(PolicyError::Json(_))
    ));
    assert!(matches!(Policy::parse_str(""), Err(PolicyError::Json(_))));
}

#[test]
fn errors_name_the_place() {
    let e = err(json!({"Statement": [
        {"Effect": "Allow", "Action": "a", "Resource": "*"},
        {"Effect": "Allow", "Action": "a", "Resource": "*"},
        {"Effect": "allow", "Action": "a", "Resource": "*"}
    ]}));
    assert_eq!(
        e,
        r#"Statement[2]: Effect must be Allow or Deny, got "allow""#
    );
    assert_eq!(
        err(json!({"Statement": {"Action": "a"}})),
        "Statement[0]: missing Effect"
    );
    assert_eq!(
        err(json!({"Statement": {"Effect": "Allow", "Resource": "*"}})),
        "Statement[0]: missing Action or NotAction"
    );
    assert!(err(json!({"Statement": {"Effect": true, "Action": "a"}})).contains("got a boolean"));
    assert!(
        err(json!({"Statement": {"Effect": "Allow", "Action": "a", "NotAction": "b"}}))
            .contains("Action and NotAction cannot both be present")
    );
    assert!(
        err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Resource": "*", "NotResource": "x"}}))
            .contains("Resource and NotResource")
    );
    assert!(
        err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Principal": "*", "NotPrincipal": "*"}}))
            .contains("Principal and NotPrincipal")
    );
    assert!(
        err(json!({"Statement": {"effect": "Allow", "Action": "a"}}))
            .contains(r#"unknown element "effect""#)
    );
    assert!(
        err(json!({"Statement": {"Effect": "Allow", "Action": ["a", 1]}}))
            .contains("Action[1] must be a string")
    );
    assert!(
        err(json!({"Statement": {"Effect": "Allow", "Action": {"a": 1}}}))
            .contains("Action must be a string or an array")
    );
    assert!(
        err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Principal": "arn:aws:iam::1:root"}}))
            .contains(r#"Principal must be "*" or an object"#)
    );
    assert!(
        err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Principal": {"aws": "*"}}}))
            .contains(r#"unknown principal type "aws""#)
    );
    assert!(
        err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Condition": {"StringEquals": {"k": null}}}}))
            .starts_with("Statement[0].Condition.StringEquals: value of \"k\"")
    );
    assert!(
        err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Condition": {"StringEquals": {"k": [["x"]]}}}}))
            .contains("got an array")
    );
    assert!(
        err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Condition": {"StringEquals": "x"}}}))
            .contains("must be an object of condition keys")
    );
    assert!(
        err(json!({"Statement": {"Effect": "Allow", "Action": "a", "Condition": []}}))
            .contains("Condition must be an object")
    );
    assert_eq!(
        err(json!({"Version": "2012-10-17"})),
        "policy: missing Statement"
    );
    assert!(err(json!({"Version": "2020-01-01", "Statement": []})).contains("Version must be"));
    assert!(err(json!({"Statement": [], "Foo": 1})).contains(r#"unknown element "Foo""#));
    assert!(err(json!([1])).contains("must be a JSON object, got an array"));
    assert!(
        err(json!({"Statement": ["x"]})).starts_with("Statement[0]: a statement must be an object")
    );
    assert!(
        err(json!({"Statement": {"Sid": 1, "Effect": "Allow", "Action": "a"}}))
            .contains("Sid must be a string")
    );
}

#[test]
fn allows_everything_and_conditional() {
    let s = one(json!({"Effect": "Allow", "Action": "*", "Resource": "*"}));
    assert!(s.allows_everything() && !s.conditional());
    assert!(
        one(json!({"Effect": "Allow", "Action": ["s3:GetObject", "*:*"], "Resource": ["*"]}))
            .allows_everything()
    );
    let s = one(json!({"Effect": "Allow", "Action": "*", "Resource": "*",
                       "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}));
    assert!(s.allows_everything() && s.conditional());
    for v in [
        json!({"Effect": "Deny", "Action": "*", "Resource": "*"}),
        json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
        json!({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::x"}),
        json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
        json!({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::*"}),
        json!({"Effect": "Allow", "Action": "*"}),
    ] {
        assert!(!one(v.clone()).allows_everything(), "{v}");
    }
}

#[test]
fn grantees_of_every_principal_shape() {
    let g = |v: Value| one(json!({"Effect": "Allow", "Action": "a", "Principal": v})).grantees();
    assert_eq!(g(json!("*")), vec![Grantee::Public]);
    assert_eq!(g(json!({"AWS": "*"})), vec![Grantee::Public]);
    let acct = |a: &str, p: &str| Grantee::Account {
        account: a.into(),
        principal: p.into(),
    };
    assert_eq!(
        g(
            json!({"AWS": ["123456789012", "arn:aws:iam::210987654321:root",
                 "arn:aws-cn:iam::333344445555:role/path/R",
                 "arn:aws:sts::444455556666:assumed-role/R/s",
                 "AROAEXAMPLEID", "arn:aws:iam::12:root"]})
        ),
        vec![
            acct("123456789012", "123456789012"),
            acct("210987654321", "arn:aws:iam::210987654321:root"),
            acct("333344445555", "arn:aws-cn:iam::333344445555:role/path/R"),
            acct("444455556666", "arn:aws:sts::444455556666:assumed-role/R/s"),
            Grantee::Unresolved("AROAEXAMPLEID".into()),
            Grantee::Unresolved("arn:aws:iam::12:root".into()),
        ]
    );
    assert_eq!(
        g(
            json!({"AWS": ["*", "111122223333"], "Service": "s3.amazonaws.com",
                 "Federated": "cognito-identity.amazonaws.com", "CanonicalUser": "abc"})
        ),
        vec![
            Grantee::Public,
            acct("111122223333", "111122223333"),
            Grantee::Service("s3.amazonaws.com".into()),
            Grantee::Federated("cognito-identity.amazonaws.com".into()),
            Grantee::CanonicalUser("abc".into()),
        ]
    );
    let s = one(json!({"Effect": "Allow", "Action": "a", "NotPrincipal": {"AWS": "111122223333"}}));
    assert_eq!(s.grantees(), vec![Grantee::Public]);
    assert!(
        one(json!({"Effect": "Allow", "Action": "a", "Resource": "*"}))
            .grantees()
            .is_empty()
    );
    assert_eq!(acct("1", "x").account(), Some("1"));
    assert_eq!(Grantee::Public.account(), None);
}

fn cond(op: &str, key: &str, vals: &[&str]) -> Condition {
    Condition {
        operator: op.into(),
        key: key.into(),
        values: strs(vals),
    }
}

#[test]
fn restricting_conditions_rules() {
    for c in [
        cond("StringEquals", "aws:SourceAccount", &["111122223333"]),
        cond("StringEquals", "AWS:SOURCEACCOUNT", &["111122223333"]),
        cond("ArnLike", "AWS:SourceArn", &["arn:aws:s3:::b"]),
        cond(
            "ArnEquals",
            "aws:SourceArn",
            &["arn:aws:sns:us-east-1:111122223333:t"],
        ),
        cond("StringEquals", "aws:SourceOwner", &["111122223333"]),
        cond("StringEquals", "aws:PrincipalOrgID", &["o-abc"]),
        cond(
            "ForAnyValue:StringLike",
            "aws:PrincipalOrgPaths",
            &["o-abc/r-1/*"],
        ),
        cond("StringEquals", "aws:PrincipalAccount", &["111122223333"]),
        cond(
            "ArnLike",
            "aws:PrincipalArn",
            &["arn:aws:iam::111122223333:role/*"],
        ),
        cond("StringLike", "aws:userid", &["AROA*:*"]),
        cond("StringEquals", "aws:username", &["alice"]),
        cond("StringEquals", "aws:SourceVpc", &["vpc-1"]),
        cond("StringEquals", "aws:SourceVpce", &["vpce-1"]),
        cond("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]),
        cond("IpAddress", "aws:VpcSourceIp", &["10.0.0.0/8"]),
        cond("StringEquals", "kms:CallerAccount", &["111122223333"]),
        cond("StringEquals", "sts:ExternalId", &["x"]),
        cond("StringEquals", "aws:SourceAccount", &["*"]), // a literal "*": nobody
        cond("StringLike", "aws:PrincipalArn", &["*", "arn:aws:iam::1:*"]),
    ] {
        assert!(is_restricting(&c), "{c}");
    }
    for c in [
        cond("StringEquals", "lambda:FunctionUrlAuthType", &["NONE"]),
        cond("Bool", "aws:SecureTransport", &["true"]),
        cond("StringLike", "aws:PrincipalArn", &["*"]),
        cond("ArnLike", "aws:SourceArn", &["arn:*:*:*:*:*"]),
        cond("ArnLike", "aws:SourceArn", &["*"]),
        cond("IpAddress", "aws:SourceIp", &["0.0.0.0/0", "::/0"]),
        cond(
            "StringEqualsIfExists",
            "aws:SourceAccount",
            &["111122223333"],
        ),
        cond("StringNotEquals", "aws:PrincipalOrgID", &["o-abc"]),
        cond("StringNotEqualsIfExists", "aws:PrincipalOrgID", &["o-abc"]),
        cond("NotIpAddress", "aws:SourceIp", &["203.0.113.0/24"]),
        cond(
            "ForAllValues:StringLike",
            "aws:PrincipalOrgPaths",
            &["o-abc/*"],
        ),
        cond("Null", "aws:SourceArn", &["false"]),
        cond("StringEquals", "aws:PrincipalTag/team", &["a"]),
        cond(
            "StringEquals",
            "kms:ViaService",
            &["s3.us-east-1.amazonaws.com"],
        ),
    ] {
        assert!(!is_restricting(&c), "{c}");
    }
    assert!(is_restricting_deny(&cond(
        "StringNotEquals",
        "aws:PrincipalOrgID",
        &["o-1"]
    )));
    assert!(is_restricting_deny(&cond(
        "NotIpAddress",
        "aws:SourceIp",
        &["10.0.0.0/8"]
    )));
    assert!(!is_restricting_deny(&cond(
        "StringNotEqualsIfExists",
        "aws:SourceVpce",
        &["v"]
    )));
    assert!(!is_restricting_deny(&cond(
        "StringNotLike",
        "aws:PrincipalArn",
        &["*"]
    )));
    assert!(!is_restricting_deny(&cond(
        "StringEquals",
        "aws:PrincipalOrgID",
        &["o-1"]
    )));
    assert!(!is_restricting_deny(&cond(
        "Bool",
        "aws:SecureTransport",
        &["false"]
    )));

    let s = one(
        json!({"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
        "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:t"},
                      "Bool": {"aws:SecureTransport": "true"}}}),
    );
    let r = s.restricting_conditions();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].key, "aws:SourceArn");
}

fn exposure(v: Value, own: Option<&str>) -> Vec<Exposure> {
    parse(v).exposure(own)
}

#[test]
fn exposure_kinds() {
    let e = exposure(
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::b/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:ListBucket"],
             "Resource": "arn:aws:s3:::b", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}},
            {"Sid": "Partner", "Effect": "Allow",
             "Principal": {"AWS": ["arn:aws:iam::210987654321:root", "111122223333", "210987654321"]},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
            {"Sid": "Own", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/R"},
             "Action": "s3:*", "Resource": "*"},
            {"Sid": "Svc", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": "*"},
            {"Sid": "DenyAll", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "*"}
        ]}),
        Some("111122223333"),
    );
    assert_eq!(e.len(), 3, "{e:#?}");
    assert_eq!(e[0].label, "Public");
    assert!(e[0].is_public());
    assert_eq!(
        e[0].describe(),
        "Principal * may s3:GetObject on arn:aws:s3:::b/*"
    );
    assert_eq!(e[1].label, "Statement[1]");
    assert_eq!(
        e[1].kind,
        ExposureKind::PublicConditioned(vec![cond("StringEquals", "aws:PrincipalOrgID", &["o-1"])])
    );
    assert_eq!(
        e[1].describe(),
        "Principal * may s3:ListBucket on arn:aws:s3:::b if StringEquals aws:PrincipalOrgID o-1"
    );
    assert_eq!(e[2].statement, 2);
    assert_eq!(
        e[2].kind,
        ExposureKind::CrossAccount {
            accounts: strs(&["210987654321"]),
            principals: strs(&["arn:aws:iam::210987654321:root", "210987654321"]),
        }
    );
    assert_eq!(
        e[2].describe(),
        "Account 210987654321 may s3:GetObject on arn:aws:s3:::b/*"
    );
    // Without the owner, every named account counts.
    let e = exposure(
        json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:*", "Resource": "*"}}),
        None,
    );
    assert!(
        matches!(&e[0].kind, ExposureKind::CrossAccount { accounts, .. } if accounts == &strs(&["111122223333"]))
    );
}

#[test]
fn not_principal_and_not_action_are_public() {
    let e = exposure(
        json!({"Statement": {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/R"},
                             "NotAction": "s3:DeleteObject", "NotResource": "arn:aws:s3:::b/private/*"}}),
        Some("111122223333"),
    );
    assert_eq!(e.len(), 1);
    assert!(e[0].is_public());
    assert_eq!(
        e[0].describe(),
        "Everyone except NotPrincipal AWS:arn:aws:iam::111122223333:role/R may any action except s3:DeleteObject on any resource except arn:aws:s3:::b/private/*"
    );
    // A Deny with NotPrincipal is no exposure.
    assert!(exposure(
        json!({"Statement": {"Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": "*", "Resource": "*"}}),
        None
    )
    .is_empty());
}

#[test]
fn deny_statements_that_fence_a_public_grant() {
    let policy = |deny: Value| {
        json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"},
            deny
        ]})
    };
    // Deny everyone outside the organization, on every action: fenced.
    let e = exposure(
        policy(
            json!({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
                      "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}),
        ),
        None,
    );
    assert_eq!(
        e[0].kind,
        ExposureKind::PublicConditioned(vec![cond(
            "StringNotEquals",
            "aws:PrincipalOrgID",
            &["o-1"]
        )])
    );
    // Deny through other VPC endpoints, on s3:* and the same objects: fenced.
    let e = exposure(
        policy(
            json!({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                      "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                      "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}),
        ),
        None,
    );
    assert!(matches!(e[0].kind, ExposureKind::PublicConditioned(_)));
    for deny in [
        // IfExists: requests without the key are not denied.
        json!({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
               "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}}),
        // Only part of the actions.
        json!({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*",
               "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}),
        // Only part of the resources.
        json!({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "arn:aws:s3:::b/secret/*",
               "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}),
        // Denies only insecure requests from outside: a secure one from outside passes.
        json!({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
               "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"},
                             "Bool": {"aws:SecureTransport": "false"}}}),
        // Not for everyone.
        json!({"Effect": "Deny", "Principal": {"AWS": "111122223333"}, "Action": "*", "Resource": "*",
               "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}),
        // NotAction in the Deny: not evaluated.
        json!({"Effect": "Deny", "Principal": "*", "NotAction": "s3:GetObject", "Resource": "*",
               "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}),
    ] {
        let e = exposure(policy(deny.clone()), None);
        assert!(e[0].is_public(), "{deny}: {e:?}");
    }
}

// ------------------------------------------------------------------------------------------
// Property tests

use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,12}"
}
fn list() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(text(), 0..4)
}
fn matched() -> impl Strategy<Value = Match<Vec<String>>> {
    (any::<bool>(), list()).prop_map(|(n, l)| if n { Match::Not(l) } else { Match::Is(l) })
}
fn principals_strategy() -> impl Strategy<Value = Principals> {
    (
        any::<bool>(),
        prop::collection::vec(text().prop_filter("not *", |s| s != "*"), 0..3),
        list(),
        list(),
        list(),
    )
        .prop_map(
            |(any, aws, service, federated, canonical_user)| Principals {
                any,
                aws,
                service,
                federated,
                canonical_user,
            },
        )
}
fn statement_strategy() -> impl Strategy<Value = Statement> {
    (
        prop::option::of(text()),
        any::<bool>(),
        matched(),
        prop::option::of(matched()),
        prop::option::of((any::<bool>(), principals_strategy())),
        prop::collection::btree_map(
            (
                prop::sample::select(vec![
                    "StringEquals",
                    "StringLike",
                    "ForAnyValue:StringLike",
                    "ArnLikeIfExists",
                    "Bool",
                    "NumericLessThan",
                ]),
                text(),
            ),
            list(),
            0..4,
        ),
    )
        .prop_map(
            |(sid, allow, action, resource, principal, conds)| Statement {
                sid,
                effect: if allow { Effect::Allow } else { Effect::Deny },
                action: Some(action),
                resource,
                principal: principal.map(|(n, p)| if n { Match::Not(p) } else { Match::Is(p) }),
                conditions: conds
                    .into_iter()
                    .map(|((op, key), values)| Condition {
                        operator: op.to_string(),
                        key,
                        values,
                    })
                    .collect(),
            },
        )
}
fn policy_strategy() -> impl Strategy<Value = Policy> {
    (
        prop::option::of(prop::sample::select(vec!["2012-10-17", "2008-10-17"])),
        prop::option::of(text()),
        prop::collection::vec(statement_strategy(), 0..4),
    )
        .prop_map(|(version, id, statements)| Policy {
            version: version.map(str::to_string),
            id,
            statements,
        })
}
fn json_strategy() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![
            "*",
            "Allow",
            "Deny",
            "Statement",
            "Effect",
            "Action",
            "AWS",
            "2012-10-17",
            "x"
        ])
        .prop_map(|s| Value::String(s.into())),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop::sample::select(vec![
            "Version",
            "Id",
            "Statement",
            "Sid",
            "Effect",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Principal",
            "NotPrincipal",
            "Condition",
            "AWS",
            "Service",
            "Federated",
            "CanonicalUser",
            "StringEquals",
            "aws:SourceAccount",
            "z",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..5).prop_map(|m| {
                Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #[test]
    fn serialized_policies_round_trip(p in policy_strategy()) {
        let text = serde_json::to_string(&p).unwrap();
        prop_assert_eq!(Policy::parse_str(&text).unwrap(), p.clone());
        let enc = percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC).to_string();
        prop_assert_eq!(Policy::parse_str(&enc).unwrap(), p.clone());
        // The analysis never panics on any valid policy.
        let _ = p.exposure(Some("111122223333"));
        for s in &p.statements {
            let _ = (s.allows_everything(), s.grantees(), s.restricting_conditions());
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC*", t in "[%{}\"\\[\\]:,a-zA-Z0-9+ ]{0,40}") {
        let _ = Policy::parse_str(&s);
        let _ = Policy::parse_str(&t);
        let _ = Policy::parse_str(&format!("%7B{s}"));
        let _ = Policy::parse_str(&format!("\"{t}"));
    }

    #[test]
    fn arbitrary_json_never_panics(v in json_strategy()) {
        if let Ok(p) = Policy::from_value(&v) {
            let _ = p.exposure(None);
            prop_assert_eq!(Policy::from_value(&p.to_value()).unwrap(), p);
        }
        let _ = Policy::from_value(&json!({"Statement": v}));
    }
}
