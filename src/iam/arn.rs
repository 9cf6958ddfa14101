//! ARNs: `arn:partition:service:region:account:resource`, parsed once into borrowed parts.
//! ARNs are case-sensitive and so is this type; the partition is checked against the ones AWS
//! has. The one ARN parser: the details reader, usage, events, trust and posture rules all
//! read ARNs through it.

/// The partitions AWS has.
pub const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// A parsed ARN, borrowing the text it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, ... (any non-empty text: see [`Arn::known_partition`]).
    pub partition: &'a str,
    /// `iam`, `s3`, `sts`...
    pub service: &'a str,
    /// The region, empty for global resources.
    pub region: &'a str,
    /// The account, empty for resources that name none (S3 buckets), `aws` for AWS managed
    /// policies.
    pub account: &'a str,
    /// Everything after the fifth `:` (`role/path/name`, `bucket/key`, `function:f:1`).
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// The ARN with the id after its resource type as `*`: `key/1234...` ->
    /// `arn:aws:kms:r:a:key/*`, `function:f:1` -> `function:*`, `bucket/key` -> `bucket/*`.
    /// A resource part with no type (`my-topic`, an S3 bucket) is kept whole.
    pub fn shape(&self) -> String {
        let r = self.resource;
        let cut = r.find(['/', ':']).map_or(r.len(), |i| i + 1);
        let id = if cut < r.len() { "*" } else { "" };
        format!(
            "arn:{}:{}:{}:{}:{}{id}",
            self.partition,
            self.service,
            self.region,
            self.account,
            &r[..cut]
        )
    }

    /// Parses `arn:partition:service:region:account:resource`; `None` for anything else (fewer
    /// parts, another prefix, an empty partition or service).
    pub fn parse(s: &'a str) -> Option<Self> {
        let mut it = s.splitn(6, ':');
        if it.next()? != "arn" {
            return None;
        }
        let a = Arn {
            partition: it.next()?,
            service: it.next()?,
            region: it.next()?,
            account: it.next()?,
            resource: it.next()?,
        };
        (!a.partition.is_empty() && !a.service.is_empty()).then_some(a)
    }

    /// The partition, when it is one AWS has.
    pub fn known_partition(&self) -> Option<&'static str> {
        PARTITIONS.iter().copied().find(|p| *p == self.partition)
    }

    /// The account when it is a 12-digit account ID.
    pub fn account_id(&self) -> Option<&'a str> {
        super::is_account_id(self.account).then_some(self.account)
    }

    /// The resource type and the rest for `type/rest` resources (`role`, `path/name`).
    pub fn resource_type(&self) -> Option<(&'a str, &'a str)> {
        self.resource.split_once('/')
    }

    /// The last `/`-separated part of the resource (an IAM entity's name).
    pub fn resource_name(&self) -> &'a str {
        self.resource.rsplit('/').next().unwrap_or(self.resource)
    }

    /// Whether it is an IAM ARN (`arn:<p>:iam::<account>:...`).
    pub fn is_iam(&self) -> bool {
        self.service == "iam" && self.region.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_once_into_parts() {
        let a = Arn::parse("arn:aws-us-gov:iam::111122223333:role/path/app").unwrap();
        assert_eq!(
            (a.partition, a.service, a.region, a.account, a.resource),
            ("aws-us-gov", "iam", "", "111122223333", "role/path/app")
        );
        assert_eq!(a.known_partition(), Some("aws-us-gov"));
        assert_eq!(a.account_id(), Some("111122223333"));
        assert_eq!(a.resource_type(), Some(("role", "path/app")));
        assert_eq!(a.resource_name(), "app");
        assert!(a.is_iam());
        let f = Arn::parse("arn:aws:lambda:eu-west-1:111122223333:function:f:1").unwrap();
        assert_eq!(f.resource, "function:f:1");
        let b = Arn::parse("arn:aws:s3:::bucket/key/with:colon").unwrap();
        assert_eq!(
            (b.account, b.account_id(), b.resource),
            ("", None, "bucket/key/with:colon")
        );
        assert_eq!(
            Arn::parse("arn:aws:iam::aws:policy/ReadOnlyAccess")
                .unwrap()
                .account,
            "aws"
        );
        assert!(Arn::parse("arn:aws:iam").is_none());
        assert!(Arn::parse("urn:aws:iam::1:x").is_none());
        assert!(Arn::parse("arn::iam::1:x").is_none());
        assert_eq!(
            Arn::parse("arn:awz:iam::1:x").unwrap().known_partition(),
            None
        );
    }

    proptest::proptest! {
        #[test]
        fn parts_join_back_to_the_text(p in "[a-z-]{1,8}", s in "[a-z0-9]{1,6}", r in "[a-z0-9-]{0,10}", a in "[0-9a-z]{0,12}", res in "[ -~]{0,20}") {
            let text = format!("arn:{p}:{s}:{r}:{a}:{res}");
            let arn = Arn::parse(&text).unwrap();
            let joined = format!("arn:{}:{}:{}:{}:{}", arn.partition, arn.service, arn.region, arn.account, arn.resource);
            proptest::prop_assert_eq!(joined, text);
        }
    }
}
