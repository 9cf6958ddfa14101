//! A borrowed view of one CloudTrail event, and how its principal is attributed.
//!
//! Every field is optional: real trails hold events from eventVersion 1.0 to 1.11, events
//! without `userIdentity`, `null` request parameters and empty strings. Strings borrow from the
//! decompressed buffer (simd-json unescapes in place); nested documents stay as tape values so
//! that only the detectors that need them look inside.

use simd_json::prelude::*;
use simd_json::tape::{Object, Value};

/// A JSON value borrowed from the tape.
pub type Json<'t, 'i> = Value<'t, 'i>;

/// `userIdentity.sessionContext.sessionIssuer`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SessionIssuer<'i> {
    /// `Role`, `IAMUser`, `Root`.
    pub kind: Option<&'i str>,
    /// Principal ID.
    pub principal_id: Option<&'i str>,
    /// ARN of the role or user that issued the session.
    pub arn: Option<&'i str>,
    /// Its account.
    pub account_id: Option<&'i str>,
    /// Its name.
    pub user_name: Option<&'i str>,
}

/// `userIdentity`.
#[derive(Clone, Copy, Debug, Default)]
pub struct UserIdentity<'i> {
    /// `Root`, `IAMUser`, `AssumedRole`, `FederatedUser`, `AWSService`, `AWSAccount`,
    /// `SAMLUser`, `WebIdentityUser`, `IdentityCenterUser`, `Unknown`.
    pub kind: Option<&'i str>,
    /// Principal ID.
    pub principal_id: Option<&'i str>,
    /// Caller ARN.
    pub arn: Option<&'i str>,
    /// Caller account.
    pub account_id: Option<&'i str>,
    /// Access key (`AKIA...` long-term, `ASIA...` temporary).
    pub access_key_id: Option<&'i str>,
    /// User name (may be `HIDDEN_DUE_TO_SECURITY_REASONS`).
    pub user_name: Option<&'i str>,
    /// Service that made the call on the principal's behalf.
    pub invoked_by: Option<&'i str>,
    /// SAML / web identity provider.
    pub identity_provider: Option<&'i str>,
    /// `sessionContext.attributes.mfaAuthenticated`.
    pub mfa_authenticated: Option<bool>,
    /// `sessionContext.attributes.creationDate`.
    pub session_created: Option<&'i str>,
    /// `sessionContext.sessionIssuer`.
    pub issuer: SessionIssuer<'i>,
    /// `sessionContext.webIdFederationData.federatedProvider`.
    pub federated_provider: Option<&'i str>,
    /// `sessionContext.sourceIdentity`.
    pub source_identity: Option<&'i str>,
    /// `onBehalfOf.userId`: the IAM Identity Center user behind an `IdentityCenterUser` call.
    pub on_behalf_of_user: Option<&'i str>,
    /// `onBehalfOf.identityStoreArn`.
    pub identity_store_arn: Option<&'i str>,
}

/// One CloudTrail event.
#[derive(Clone, Copy, Debug, Default)]
pub struct Event<'t, 'i> {
    /// `eventVersion`.
    pub event_version: Option<&'i str>,
    /// `eventTime` as written.
    pub event_time: Option<&'i str>,
    /// `eventTime` in epoch milliseconds.
    pub time_ms: Option<i64>,
    /// `eventSource`.
    pub event_source: Option<&'i str>,
    /// `eventName`.
    pub event_name: Option<&'i str>,
    /// `awsRegion`.
    pub aws_region: Option<&'i str>,
    /// `sourceIPAddress`.
    pub source_ip: Option<&'i str>,
    /// `userAgent`.
    pub user_agent: Option<&'i str>,
    /// `eventID`.
    pub event_id: Option<&'i str>,
    /// `eventType`.
    pub event_type: Option<&'i str>,
    /// `errorCode`.
    pub error_code: Option<&'i str>,
    /// `errorMessage`.
    pub error_message: Option<&'i str>,
    /// `recipientAccountId`.
    pub recipient_account_id: Option<&'i str>,
    /// `readOnly`.
    pub read_only: Option<bool>,
    /// `managementEvent`.
    pub management_event: Option<bool>,
    /// `eventCategory`.
    pub event_category: Option<&'i str>,
    /// `userIdentity`, if present.
    pub user_identity: Option<UserIdentity<'i>>,
    /// `requestParameters`.
    pub request_parameters: Option<Json<'t, 'i>>,
    /// `responseElements`.
    pub response_elements: Option<Json<'t, 'i>>,
    /// `additionalEventData`.
    pub additional_event_data: Option<Json<'t, 'i>>,
    /// `resources`.
    pub resources: Option<Json<'t, 'i>>,
    /// `serviceEventDetails`.
    pub service_event_details: Option<Json<'t, 'i>>,
}

/// A string value, `None` for null, non-strings and empty strings.
fn str_of<'i>(v: Value<'_, 'i>) -> Option<&'i str> {
    v.into_string().filter(|s| !s.is_empty())
}

/// A boolean that CloudTrail sometimes writes as a string.
fn bool_of(v: Value<'_, '_>) -> Option<bool> {
    v.as_bool().or_else(|| match v.as_str()? {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    })
}

fn non_null<'t, 'i>(v: Value<'t, 'i>) -> Option<Value<'t, 'i>> {
    (!v.is_null()).then_some(v)
}

fn parse_issuer<'i>(o: Object<'_, 'i>) -> SessionIssuer<'i> {
    let mut s = SessionIssuer::default();
    for (k, v) in o.iter() {
        match k {
            "type" => s.kind = str_of(v),
            "principalId" => s.principal_id = str_of(v),
            "arn" => s.arn = str_of(v),
            "accountId" => s.account_id = str_of(v),
            "userName" => s.user_name = str_of(v),
            _ => {}
        }
    }
    s
}

fn parse_identity<'i>(o: Object<'_, 'i>) -> UserIdentity<'i> {
    let mut u = UserIdentity::default();
    for (k, v) in o.iter() {
        match k {
            "type" => u.kind = str_of(v),
            "principalId" => u.principal_id = str_of(v),
            "arn" => u.arn = str_of(v),
            "accountId" => u.account_id = str_of(v),
            "accessKeyId" => u.access_key_id = str_of(v),
            "userName" => u.user_name = str_of(v),
            "invokedBy" => u.invoked_by = str_of(v),
            "identityProvider" => u.identity_provider = str_of(v),
            "onBehalfOf" => {
                if let Some(o) = v.as_object() {
                    u.on_behalf_of_user = o.get("userId").and_then(str_of);
                    u.identity_store_arn = o.get("identityStoreArn").and_then(str_of);
                }
            }
            "sessionContext" => {
                let Some(sc) = v.as_object() else { continue };
                for (k2, v2) in sc.iter() {
                    match k2 {
                        "attributes" => {
                            if let Some(a) = v2.as_object() {
                                for (k3, v3) in a.iter() {
                                    match k3 {
                                        "mfaAuthenticated" => u.mfa_authenticated = bool_of(v3),
                                        "creationDate" => u.session_created = str_of(v3),
                                        _ => {}
                                    }
                                }
                            }
                        }
                        "sessionIssuer" => {
                            if let Some(i) = v2.as_object() {
                                u.issuer = parse_issuer(i);
                            }
                        }
                        "webIdFederationData" => {
                            u.federated_provider = v2
                                .as_object()
                                .and_then(|w| w.get("federatedProvider"))
                                .and_then(str_of);
                        }
                        "sourceIdentity" => u.source_identity = str_of(v2),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    u
}

impl<'t, 'i> Event<'t, 'i> {
    /// Reads an event from a tape value; `None` when it is not a JSON object.
    pub fn from_value(v: Value<'t, 'i>) -> Option<Self> {
        let o = v.as_object()?;
        let mut e = Event::default();
        for (k, v) in o.iter() {
            // By length first: most keys are then told apart by one comparison of a constant
            // size, which the compiler turns into a few loads (this runs for every key of
            // every event).
            let k = k.as_bytes();
            match k.len() {
                7 if k == b"eventID" => e.event_id = str_of(v),
                8 if k == b"readOnly" => e.read_only = bool_of(v),
                9 => match k {
                    b"eventTime" => {
                        e.event_time = str_of(v);
                        e.time_ms = e.event_time.and_then(crate::time::parse_event_time);
                    }
                    b"eventName" => e.event_name = str_of(v),
                    b"awsRegion" => e.aws_region = str_of(v),
                    b"userAgent" => e.user_agent = str_of(v),
                    b"eventType" => e.event_type = str_of(v),
                    b"errorCode" => e.error_code = str_of(v),
                    b"resources" => e.resources = non_null(v),
                    _ => {}
                },
                11 if k == b"eventSource" => e.event_source = str_of(v),
                12 => match k {
                    b"eventVersion" => e.event_version = str_of(v),
                    b"errorMessage" => e.error_message = str_of(v),
                    b"userIdentity" => e.user_identity = v.as_object().map(parse_identity),
                    _ => {}
                },
                13 if k == b"eventCategory" => e.event_category = str_of(v),
                15 => match k {
                    b"sourceIPAddress" => e.source_ip = str_of(v),
                    b"managementEvent" => e.management_event = bool_of(v),
                    _ => {}
                },
                16 if k == b"responseElements" => e.response_elements = non_null(v),
                17 if k == b"requestParameters" => e.request_parameters = non_null(v),
                18 if k == b"recipientAccountId" => e.recipient_account_id = str_of(v),
                19 => match k {
                    b"additionalEventData" => e.additional_event_data = non_null(v),
                    b"serviceEventDetails" => e.service_event_details = non_null(v),
                    _ => {}
                },
                _ => {}
            }
        }
        Some(e)
    }

    /// Whether the object looks like a CloudTrail event at all (used to tell a one-line JSON
    /// Lines file from a document without `Records`).
    pub fn looks_like_event(&self) -> bool {
        self.event_time.is_some() && (self.event_name.is_some() || self.event_id.is_some())
    }

    /// Whether the record has what every CloudTrail event has: a time, a source and a name.
    pub fn is_complete(&self) -> bool {
        self.event_time.is_some() && self.event_source.is_some() && self.event_name.is_some()
    }

    /// The account the event happened in: `recipientAccountId`, else the caller's account.
    pub fn account(&self) -> Option<&'i str> {
        self.recipient_account_id
            .or_else(|| self.user_identity.and_then(|u| u.account_id))
    }

    /// Whether the call failed (`errorCode` present).
    pub fn is_error(&self) -> bool {
        self.error_code.is_some()
    }

    /// Whether the call was refused for lack of permission (see [`is_denied`]).
    pub fn is_denied(&self) -> bool {
        self.error_code.is_some_and(is_denied)
    }

    /// The partition (`aws`, `aws-us-gov`, `aws-cn`, ...) from an ARN in the event, else from
    /// the region.
    pub fn partition(&self) -> &'static str {
        let arn = self.user_identity.and_then(|u| u.arn.or(u.issuer.arn));
        if let Some(p) = arn.and_then(partition_of_arn) {
            return p;
        }
        partition_of_region(self.aws_region.unwrap_or(""))
    }

    /// The principal an IAM analyst attributes this event to.
    pub fn principal(&self) -> PrincipalRef<'i> {
        attribute(self)
    }
}

/// The partition named in an ARN, if it is a known one.
pub fn partition_of_arn(arn: &str) -> Option<&'static str> {
    crate::iam::arn::Arn::parse(arn)?.known_partition()
}

/// The partition of a region name.
pub fn partition_of_region(region: &str) -> &'static str {
    if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else if region.starts_with("eusc-") {
        "aws-eusc"
    } else {
        "aws"
    }
}

/// A principal, borrowed from the event; [`PrincipalRef::arn`] renders it. Cheap to hash, so
/// aggregation keys hold it and render the string once per distinct key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalRef<'i> {
    /// An ARN used as is (IAM user, role from `sessionIssuer`, federated user).
    Arn(&'i str),
    /// The root user of an account.
    Root {
        /// Partition.
        partition: &'static str,
        /// Account.
        account: &'i str,
    },
    /// A whole account (`AWSAccount` callers).
    Account {
        /// Partition.
        partition: &'static str,
        /// Account.
        account: &'i str,
    },
    /// A role rebuilt from an `assumed-role` ARN when `sessionIssuer` is missing.
    RoleFromSession(&'i str),
    /// An IAM user without an ARN in the event (failed sign-ins).
    User {
        /// Partition.
        partition: &'static str,
        /// Account.
        account: &'i str,
        /// User name.
        name: &'i str,
    },
    /// An AWS service principal (`config.amazonaws.com`).
    Service(&'i str),
    /// A SAML or web identity user: provider and user name.
    Federated {
        /// Identity provider.
        provider: &'i str,
        /// User name or subject.
        name: &'i str,
    },
    /// A name without more structure (IAM Identity Center users).
    Name(&'i str),
    /// Nothing identifies the caller.
    Unknown,
}

impl PrincipalRef<'_> {
    /// The principal as a string: an ARN where one exists.
    pub fn arn(&self) -> String {
        match *self {
            PrincipalRef::Arn(a) => a.to_string(),
            PrincipalRef::Root { partition, account }
            | PrincipalRef::Account { partition, account } => {
                format!("arn:{partition}:iam::{account}:root")
            }
            PrincipalRef::RoleFromSession(a) => {
                role_arn_from_session(a).unwrap_or_else(|| a.to_string())
            }
            PrincipalRef::User {
                partition,
                account,
                name,
            } => format!("arn:{partition}:iam::{account}:user/{name}"),
            PrincipalRef::Service(s) | PrincipalRef::Name(s) => s.to_string(),
            PrincipalRef::Federated { provider, name } => format!("{provider}/{name}"),
            PrincipalRef::Unknown => "unknown".to_string(),
        }
    }
}

/// `arn:aws:sts::123:assumed-role/Name/session` -> `arn:aws:iam::123:role/Name`.
pub fn role_arn_from_session(arn: &str) -> Option<String> {
    let a = crate::iam::arn::Arn::parse(arn)?;
    let role = a
        .resource
        .strip_prefix("assumed-role/")?
        .split('/')
        .next()?;
    Some(format!(
        "arn:{}:iam::{}:role/{role}",
        a.partition, a.account
    ))
}

/// The principal type column for a principal: the `userIdentity.type`, with assumed-role
/// sessions counted as `Role`.
pub fn principal_type<'i>(e: &Event<'_, 'i>) -> &'i str {
    match e.user_identity.and_then(|u| u.kind) {
        Some("AssumedRole") => "Role",
        Some(k) => k,
        None => match e.user_identity.and_then(|u| u.invoked_by) {
            Some(_) => "AWSService",
            None if e.event_type == Some("AwsServiceEvent") => "AWSService",
            None => "Unknown",
        },
    }
}

fn attribute<'i>(e: &Event<'_, 'i>) -> PrincipalRef<'i> {
    let partition = e.partition();
    let Some(u) = e.user_identity else {
        return match (e.event_type, e.event_source) {
            (Some("AwsServiceEvent"), Some(src)) => PrincipalRef::Service(src),
            _ => PrincipalRef::Unknown,
        };
    };
    let account = u.account_id.or(e.recipient_account_id);
    match u.kind {
        Some("Root") => match account {
            Some(account) => PrincipalRef::Root { partition, account },
            None => u
                .arn
                .map(PrincipalRef::Arn)
                .unwrap_or(PrincipalRef::Unknown),
        },
        Some("IAMUser") => match (u.arn, account, u.user_name) {
            (Some(a), _, _) => PrincipalRef::Arn(a),
            (None, Some(account), Some(name)) => PrincipalRef::User {
                partition,
                account,
                name,
            },
            _ => u
                .principal_id
                .map(PrincipalRef::Name)
                .unwrap_or(PrincipalRef::Unknown),
        },
        Some("AssumedRole") => match (u.issuer.arn, u.arn) {
            (Some(issuer), _) => PrincipalRef::Arn(issuer),
            (None, Some(a)) => PrincipalRef::RoleFromSession(a),
            _ => u
                .principal_id
                .map(PrincipalRef::Name)
                .unwrap_or(PrincipalRef::Unknown),
        },
        Some("AWSService") => u
            .invoked_by
            .or(e.event_source)
            .map(PrincipalRef::Service)
            .unwrap_or(PrincipalRef::Unknown),
        Some("AWSAccount") => match (u.invoked_by, account) {
            (Some(svc), _) => PrincipalRef::Service(svc),
            (None, Some(account)) => PrincipalRef::Account { partition, account },
            _ => PrincipalRef::Unknown,
        },
        Some("IdentityCenterUser") => match (u.identity_store_arn, u.on_behalf_of_user) {
            (Some(store), Some(user)) => PrincipalRef::Federated {
                provider: store,
                name: user,
            },
            (None, Some(user)) => PrincipalRef::Name(user),
            _ => u
                .user_name
                .or(u.principal_id)
                .map(PrincipalRef::Name)
                .unwrap_or(PrincipalRef::Unknown),
        },
        Some("SAMLUser") | Some("WebIdentityUser") => {
            let provider = u.identity_provider.or(u.federated_provider);
            match (provider, u.user_name.or(u.principal_id)) {
                (Some(provider), Some(name)) => PrincipalRef::Federated { provider, name },
                (None, Some(name)) => PrincipalRef::Name(name),
                _ => PrincipalRef::Unknown,
            }
        }
        _ => {
            if let Some(a) = u.arn {
                PrincipalRef::Arn(a)
            } else if let Some(n) = u.user_name.or(u.principal_id) {
                PrincipalRef::Name(n)
            } else if let Some(s) = u.invoked_by {
                PrincipalRef::Service(s)
            } else if e.event_type == Some("AwsServiceEvent") {
                e.event_source
                    .map(PrincipalRef::Service)
                    .unwrap_or(PrincipalRef::Unknown)
            } else {
                PrincipalRef::Unknown
            }
        }
    }
}

/// Whether an `errorCode` means the call was never authorized: refused (`AccessDenied`,
/// `AccessDeniedException`, `UnauthorizedOperation` and `Client.UnauthorizedOperation` (EC2),
/// `UnauthorizedAccess`, `AuthorizationError`, `NotAuthorized`, `Forbidden`, in any case), or
/// never authenticated (`InvalidClientTokenId`, `SignatureDoesNotMatch`, `ExpiredToken`,
/// `InvalidAccessKeyId`, `UnrecognizedClientException`, `MissingAuthenticationToken`,
/// `IncompleteSignature`, `InvalidToken`, `AuthFailure`...): either way no permission was used.
/// Other errors (`NoSuchBucket`, `ThrottlingException`) passed authorization: the permission
/// was used.
pub fn is_denied(code: &str) -> bool {
    const REFUSED: &[&str] = &[
        "accessdenied",
        "unauthorized",
        "notauthorized",
        "authorizationerror",
        "authfailure",
        "invalidclienttokenid",
        "signaturedoesnotmatch",
        "expiredtoken",
        "invalidaccesskeyid",
        "unrecognizedclient",
        "missingauthenticationtoken",
        "incompletesignature",
        "invalidtoken",
        "invalidsignature",
        "requestexpired",
    ];
    let code = code.to_ascii_lowercase();
    code == "forbidden" || REFUSED.iter().any(|r| code.contains(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_never_authorized_are_refused_whatever_the_spelling() {
        for code in [
            "AccessDenied",
            "Client.AccessDenied",
            "accessdenied",
            "AccessDeniedException",
            "Client.UnauthorizedOperation",
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
            "ExpiredToken",
            "ExpiredTokenException",
            "InvalidAccessKeyId",
            "UnrecognizedClientException",
            "AuthFailure",
            "Forbidden",
        ] {
            assert!(is_denied(code), "{code}");
        }
        for code in [
            "NoSuchBucket",
            "ThrottlingException",
            "ValidationException",
            "NoSuchEntity",
        ] {
            assert!(!is_denied(code), "{code}");
        }
    }

    fn with<R>(json: &str, f: impl FnOnce(Event<'_, '_>) -> R) -> R {
        let mut buf = json.as_bytes().to_vec();
        let tape = simd_json::to_tape(&mut buf).unwrap();
        let e = Event::from_value(tape.as_value()).unwrap();
        f(e)
    }

    #[test]
    fn every_top_level_field_is_read_and_unknown_or_near_miss_keys_are_not() {
        let json = r#"{"eventVersion":"1.09","eventTime":"2024-05-01T00:00:00Z",
            "eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1",
            "sourceIPAddress":"203.0.113.7","userAgent":"aws-cli","eventID":"id-1",
            "eventType":"AwsApiCall","errorCode":"AccessDenied","errorMessage":"no",
            "recipientAccountId":"111122223333","readOnly":"true","managementEvent":false,
            "eventCategory":"Data","userIdentity":{"type":"Root"},
            "requestParameters":{"a":1},"responseElements":{"b":2},
            "additionalEventData":{"c":3},"resources":[{"ARN":"x"}],
            "serviceEventDetails":{"d":4},
            "eventNamf":"X","EventName":"Y","requestID":"r","eventid":"z"}"#;
        with(json, |e| {
            assert_eq!(e.event_version, Some("1.09"));
            assert_eq!(e.event_time, Some("2024-05-01T00:00:00Z"));
            assert!(e.time_ms.is_some());
            assert_eq!(e.event_source, Some("s3.amazonaws.com"));
            assert_eq!(e.event_name, Some("GetObject"));
            assert_eq!(e.aws_region, Some("eu-west-1"));
            assert_eq!(e.source_ip, Some("203.0.113.7"));
            assert_eq!(e.user_agent, Some("aws-cli"));
            assert_eq!(e.event_id, Some("id-1"));
            assert_eq!(e.event_type, Some("AwsApiCall"));
            assert_eq!(e.error_code, Some("AccessDenied"));
            assert_eq!(e.error_message, Some("no"));
            assert_eq!(e.recipient_account_id, Some("111122223333"));
            assert_eq!(e.read_only, Some(true));
            assert_eq!(e.management_event, Some(false));
            assert_eq!(e.event_category, Some("Data"));
            assert_eq!(e.user_identity.and_then(|u| u.kind), Some("Root"));
            for v in [
                e.request_parameters,
                e.response_elements,
                e.additional_event_data,
                e.resources,
                e.service_event_details,
            ] {
                assert!(v.is_some());
            }
        });
    }

    fn principal(json: &str) -> (String, String) {
        with(json, |e| {
            (e.principal().arn(), principal_type(&e).to_string())
        })
    }

    #[test]
    fn attributes_principals() {
        assert_eq!(
            principal(
                r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/Admin/alice","accountId":"111122223333","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/team/Admin"}}}}"#
            ),
            (
                "arn:aws:iam::111122223333:role/team/Admin".into(),
                "Role".into()
            )
        );
        // No sessionIssuer: rebuilt from the session ARN.
        assert_eq!(
            principal(r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws-cn:sts::111122223333:assumed-role/Admin/alice"}}"#).0,
            "arn:aws-cn:iam::111122223333:role/Admin"
        );
        assert_eq!(
            principal(r#"{"awsRegion":"us-gov-west-1","userIdentity":{"type":"Root","accountId":"111122223333"}}"#).0,
            "arn:aws-us-gov:iam::111122223333:root"
        );
        assert_eq!(
            principal(r#"{"awsRegion":"cn-north-1","userIdentity":{"type":"Root","arn":"arn:aws-cn:iam::111122223333:root","accountId":"111122223333"}}"#).0,
            "arn:aws-cn:iam::111122223333:root"
        );
        assert_eq!(
            principal(
                r#"{"eventType":"AwsServiceEvent","userIdentity":{"type":"AWSService","invokedBy":"config.amazonaws.com"}}"#
            ),
            ("config.amazonaws.com".into(), "AWSService".into())
        );
        assert_eq!(
            principal(r#"{"eventType":"AwsServiceEvent","eventSource":"kms.amazonaws.com"}"#),
            ("kms.amazonaws.com".into(), "AWSService".into())
        );
        assert_eq!(
            principal(r#"{"eventName":"ConsoleLogin"}"#),
            ("unknown".into(), "Unknown".into())
        );
        assert_eq!(
            principal(r#"{"userIdentity":{"type":"IAMUser","accountId":"111122223333","userName":"HIDDEN_DUE_TO_SECURITY_REASONS"}}"#).0,
            "arn:aws:iam::111122223333:user/HIDDEN_DUE_TO_SECURITY_REASONS"
        );
        assert_eq!(
            principal(r#"{"userIdentity":{"type":"SAMLUser","principalId":"x","userName":"bob@example.com","identityProvider":"arn:aws:iam::111122223333:saml-provider/Okta"}}"#).0,
            "arn:aws:iam::111122223333:saml-provider/Okta/bob@example.com"
        );
        assert_eq!(
            principal(
                r#"{"userIdentity":{"type":"AWSAccount","accountId":"444455556666","principalId":"AIDA"}}"#
            ),
            ("arn:aws:iam::444455556666:root".into(), "AWSAccount".into())
        );
    }

    #[test]
    fn reads_fields_and_tolerates_types() {
        with(
            r#"{"eventVersion":"1.11","eventTime":"2024-05-01T00:00:00Z","eventID":"e1","readOnly":"true","requestParameters":null,"errorCode":"AccessDenied","userIdentity":{"type":"IAMUser","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}}}"#,
            |e| {
                assert_eq!(e.read_only, Some(true));
                assert!(e.request_parameters.is_none());
                assert!(e.is_error());
                assert!(e.looks_like_event());
                assert_eq!(e.user_identity.unwrap().mfa_authenticated, Some(false));
                assert_eq!(
                    e.time_ms,
                    crate::time::parse_event_time("2024-05-01T00:00:00Z")
                );
            },
        );
        // Every field optional, wrong types ignored.
        with(
            r#"{"eventTime":5,"userIdentity":"x","eventName":null}"#,
            |e| {
                assert!(
                    e.event_time.is_none() && e.user_identity.is_none() && e.event_name.is_none()
                );
            },
        );
    }
}
