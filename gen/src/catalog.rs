//! The weighted catalog of (eventSource, eventName) pairs and how to render their parameters.

// Permission groups: a principal's profile is a bit mask of these.
pub const S3R: u32 = 1;
pub const S3W: u32 = 1 << 1;
pub const EC2R: u32 = 1 << 2;
pub const EC2W: u32 = 1 << 3;
pub const IAMR: u32 = 1 << 4;
pub const IAMW: u32 = 1 << 5;
pub const STS: u32 = 1 << 6;
pub const KMS: u32 = 1 << 7;
pub const LAMR: u32 = 1 << 8;
pub const LAMW: u32 = 1 << 9;
pub const CT: u32 = 1 << 10;
pub const LOGS: u32 = 1 << 11;
pub const DDB: u32 = 1 << 12;
pub const SSM: u32 = 1 << 13;
pub const SEC: u32 = 1 << 14;
pub const MISCR: u32 = 1 << 15;
pub const MISCW: u32 = 1 << 16;
pub const SIGNIN: u32 = 1 << 17;
pub const SSO: u32 = 1 << 18;
pub const SVCE: u32 = 1 << 19;
pub const SAML: u32 = 1 << 20;
pub const ASSUME: u32 = 1 << 21;
pub const CONFIG: u32 = 1 << 22;
pub const SSMAGENT: u32 = 1 << 23;
/// Only ever produced by planted scenarios (weight 0 in random draws).
pub const NONE: u32 = 0;

pub const READS: u32 = S3R | EC2R | IAMR | STS | LAMR | CT | LOGS | MISCR;

// Flags.
pub const RO: u8 = 1;
pub const DATA: u8 = 2;
/// Global service: recorded in us-east-1 whatever region the caller used.
pub const GLOBAL: u8 = 4;
pub const SVCEVT: u8 = 8;

/// Which account-level name pool a parameter value is drawn from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Pool {
    User,
    Role,
    PolicyArn,
    Table,
    Function,
    LogGroup,
    Secret,
    Instance,
    Stack,
    Cluster,
    KeyId,
    Queue,
    Topic,
    Repo,
    Zone,
    Trail,
    Db,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Style {
    Null,
    Max(&'static str, u32),
    Named(&'static str, Pool),
    S3Plain,
    S3Bucket(&'static str),
    S3Obj,
    S3Put,
    S3List,
    Ec2Describe(&'static str),
    Ec2Inst,
    Ec2Run,
    StsAssume,
    StsSaml,
    StsSession,
    KmsDecrypt,
    KmsGdk,
    LamInvoke,
    LamUpdate,
    CtLookup,
    LogsStream,
    DdbItem,
    SsmInst,
    SsmParam,
    SsmParams,
    ConsoleLogin,
    SsoRole,
    IamCreateUser,
    IamCreateKey,
    IamAttach,
    ConfigEval,
    MetricData,
    SvcEvent,
}

pub struct Api {
    pub src: &'static str,
    pub name: &'static str,
    pub w: u32,
    pub flags: u8,
    pub group: u32,
    pub style: Style,
}

impl Api {
    pub fn ro(&self) -> bool {
        self.flags & RO != 0
    }
    pub fn data(&self) -> bool {
        self.flags & DATA != 0
    }
    pub fn global(&self) -> bool {
        self.flags & GLOBAL != 0
    }
    pub fn svc_event(&self) -> bool {
        self.flags & SVCEVT != 0
    }
    /// IAM action prefix used in AccessDenied messages.
    pub fn action_prefix(&self) -> &'static str {
        match self.src {
            "monitoring" => "cloudwatch",
            "elasticloadbalancing" => "elasticloadbalancing",
            s => s,
        }
    }
}

const fn a(
    src: &'static str,
    name: &'static str,
    w: u32,
    flags: u8,
    group: u32,
    style: Style,
) -> Api {
    Api {
        src,
        name,
        w,
        flags,
        group,
        style,
    }
}

use Pool as P;
use Style as S;
const G: u8 = GLOBAL;

#[rustfmt::skip]
pub static APIS: &[Api] = &[
    // --- S3 (data events + bucket-level management)
    a("s3", "GetObject", 1800, RO | DATA, S3R, S::S3Obj),
    a("s3", "HeadObject", 300, RO | DATA, S3R, S::S3Obj),
    a("s3", "ListObjects", 220, RO | DATA, S3R, S::S3List),
    a("s3", "PutObject", 700, DATA, S3W, S::S3Put),
    a("s3", "DeleteObject", 60, DATA, S3W, S::S3Obj),
    a("s3", "CopyObject", 40, DATA, S3W, S::S3Put),
    a("s3", "CreateMultipartUpload", 20, DATA, S3W, S::S3Put),
    a("s3", "UploadPart", 60, DATA, S3W, S::S3Obj),
    a("s3", "CompleteMultipartUpload", 20, DATA, S3W, S::S3Obj),
    a("s3", "GetBucketAcl", 150, RO, S3R, S::S3Bucket("acl")),
    a("s3", "GetBucketPolicy", 60, RO, S3R, S::S3Bucket("policy")),
    a("s3", "GetBucketLocation", 120, RO, S3R, S::S3Bucket("location")),
    a("s3", "GetBucketVersioning", 40, RO, S3R, S::S3Bucket("versioning")),
    a("s3", "GetBucketEncryption", 40, RO, S3R, S::S3Bucket("encryption")),
    a("s3", "GetBucketTagging", 30, RO, S3R, S::S3Bucket("tagging")),
    a("s3", "GetBucketPublicAccessBlock", 30, RO, S3R, S::S3Bucket("publicAccessBlock")),
    a("s3", "GetBucketLogging", 20, RO, S3R, S::S3Bucket("logging")),
    a("s3", "ListBuckets", 80, RO, S3R, S::S3Plain),
    a("s3", "PutBucketPolicy", 4, 0, S3W, S::S3Bucket("policy")),
    a("s3", "PutBucketTagging", 4, 0, S3W, S::S3Bucket("tagging")),
    // --- EC2
    a("ec2", "DescribeInstances", 400, RO, EC2R, S::Ec2Describe("instancesSet")),
    a("ec2", "DescribeInstanceStatus", 120, RO, EC2R, S::Ec2Describe("instancesSet")),
    a("ec2", "DescribeSecurityGroups", 120, RO, EC2R, S::Ec2Describe("securityGroupSet")),
    a("ec2", "DescribeVpcs", 80, RO, EC2R, S::Ec2Describe("vpcSet")),
    a("ec2", "DescribeSubnets", 80, RO, EC2R, S::Ec2Describe("subnetSet")),
    a("ec2", "DescribeVolumes", 80, RO, EC2R, S::Ec2Describe("volumeSet")),
    a("ec2", "DescribeSnapshots", 40, RO, EC2R, S::Ec2Describe("snapshotSet")),
    a("ec2", "DescribeImages", 60, RO, EC2R, S::Ec2Describe("imagesSet")),
    a("ec2", "DescribeNetworkInterfaces", 100, RO, EC2R, S::Ec2Describe("networkInterfaceIdSet")),
    a("ec2", "DescribeRegions", 50, RO, EC2R, S::Ec2Describe("regionSet")),
    a("ec2", "DescribeAvailabilityZones", 40, RO, EC2R, S::Ec2Describe("availabilityZoneSet")),
    a("ec2", "DescribeTags", 60, RO, EC2R, S::Ec2Describe("")),
    a("ec2", "DescribeAddresses", 30, RO, EC2R, S::Ec2Describe("publicIpsSet")),
    a("ec2", "DescribeRouteTables", 30, RO, EC2R, S::Ec2Describe("routeTableIdSet")),
    a("ec2", "DescribeKeyPairs", 20, RO, EC2R, S::Ec2Describe("keySet")),
    a("ec2", "DescribeLaunchTemplates", 20, RO, EC2R, S::Ec2Describe("")),
    a("ec2", "RunInstances", 8, 0, EC2W, S::Ec2Run),
    a("ec2", "TerminateInstances", 5, 0, EC2W, S::Ec2Inst),
    a("ec2", "StartInstances", 10, 0, EC2W, S::Ec2Inst),
    a("ec2", "StopInstances", 10, 0, EC2W, S::Ec2Inst),
    a("ec2", "CreateTags", 30, 0, EC2W, S::Named("resourcesSet", P::Instance)),
    a("ec2", "CreateSnapshot", 8, 0, EC2W, S::Named("volumeId", P::Instance)),
    a("ec2", "AuthorizeSecurityGroupIngress", 4, 0, EC2W, S::Named("groupId", P::Instance)),
    a("ec2", "CreateNetworkInterface", 10, 0, EC2W, S::Named("subnetId", P::Instance)),
    a("ec2", "DeleteNetworkInterface", 10, 0, EC2W, S::Named("networkInterfaceId", P::Instance)),
    a("ec2", "AttachVolume", 4, 0, EC2W, S::Named("instanceId", P::Instance)),
    // --- IAM (global)
    a("iam", "ListUsers", 40, RO | G, IAMR, S::Max("maxItems", 100)),
    a("iam", "ListRoles", 60, RO | G, IAMR, S::Max("maxItems", 1000)),
    a("iam", "ListPolicies", 30, RO | G, IAMR, S::Max("maxItems", 1000)),
    a("iam", "ListAttachedRolePolicies", 40, RO | G, IAMR, S::Named("roleName", P::Role)),
    a("iam", "ListAttachedUserPolicies", 20, RO | G, IAMR, S::Named("userName", P::User)),
    a("iam", "ListRolePolicies", 30, RO | G, IAMR, S::Named("roleName", P::Role)),
    a("iam", "ListAccessKeys", 30, RO | G, IAMR, S::Named("userName", P::User)),
    a("iam", "ListMFADevices", 20, RO | G, IAMR, S::Named("userName", P::User)),
    a("iam", "ListGroups", 10, RO | G, IAMR, S::Max("maxItems", 100)),
    a("iam", "ListGroupsForUser", 15, RO | G, IAMR, S::Named("userName", P::User)),
    a("iam", "ListInstanceProfiles", 10, RO | G, IAMR, S::Null),
    a("iam", "ListServerCertificates", 5, RO | G, IAMR, S::Null),
    a("iam", "ListAccountAliases", 20, RO | G, IAMR, S::Null),
    a("iam", "GetUser", 30, RO | G, IAMR, S::Named("userName", P::User)),
    a("iam", "GetRole", 60, RO | G, IAMR, S::Named("roleName", P::Role)),
    a("iam", "GetPolicy", 30, RO | G, IAMR, S::Named("policyArn", P::PolicyArn)),
    a("iam", "GetPolicyVersion", 30, RO | G, IAMR, S::Named("policyArn", P::PolicyArn)),
    a("iam", "GetAccountSummary", 10, RO | G, IAMR, S::Null),
    a("iam", "GetAccountPasswordPolicy", 10, RO | G, IAMR, S::Null),
    a("iam", "GetCredentialReport", 5, RO | G, IAMR, S::Null),
    a("iam", "GenerateCredentialReport", 5, G, IAMR, S::Null),
    a("iam", "GenerateServiceLastAccessedDetails", 3, G, IAMR, S::Named("arn", P::Role)),
    a("iam", "CreateUser", 1, G, IAMW, S::IamCreateUser),
    a("iam", "CreateAccessKey", 1, G, IAMW, S::IamCreateKey),
    a("iam", "DeleteAccessKey", 1, G, IAMW, S::Named("userName", P::User)),
    a("iam", "UpdateAccessKey", 1, G, IAMW, S::Named("userName", P::User)),
    a("iam", "AttachRolePolicy", 2, G, IAMW, S::IamAttach),
    a("iam", "AttachUserPolicy", 1, G, IAMW, S::IamAttach),
    a("iam", "PutRolePolicy", 2, G, IAMW, S::Named("roleName", P::Role)),
    a("iam", "CreateRole", 2, G, IAMW, S::Named("roleName", P::Role)),
    a("iam", "UpdateAssumeRolePolicy", 1, G, IAMW, S::Named("roleName", P::Role)),
    a("iam", "CreatePolicyVersion", 1, G, IAMW, S::Named("policyArn", P::PolicyArn)),
    a("iam", "TagRole", 2, G, IAMW, S::Named("roleName", P::Role)),
    // --- STS (global endpoint)
    a("sts", "AssumeRole", 300, RO | G, ASSUME, S::StsAssume),
    a("sts", "AssumeRoleWithSAML", 20, RO | G, SAML, S::StsSaml),
    a("sts", "GetCallerIdentity", 200, RO | G, STS, S::Null),
    a("sts", "GetSessionToken", 10, RO | G, STS, S::StsSession),
    a("sts", "DecodeAuthorizationMessage", 2, RO | G, STS, S::Null),
    // --- KMS
    a("kms", "Decrypt", 600, RO, KMS, S::KmsDecrypt),
    a("kms", "GenerateDataKey", 300, RO, KMS, S::KmsGdk),
    a("kms", "Encrypt", 60, RO, KMS, S::Named("keyId", P::KeyId)),
    a("kms", "DescribeKey", 40, RO, KMS, S::Named("keyId", P::KeyId)),
    a("kms", "ListAliases", 20, RO, KMS, S::Null),
    a("kms", "ListKeys", 10, RO, KMS, S::Max("limit", 1000)),
    a("kms", "GetKeyPolicy", 10, RO, KMS, S::Named("keyId", P::KeyId)),
    a("kms", "GetKeyRotationStatus", 10, RO, KMS, S::Named("keyId", P::KeyId)),
    // --- Lambda
    a("lambda", "Invoke", 500, DATA, LAMR, S::LamInvoke),
    a("lambda", "GetFunction20150331v2", 40, RO, LAMR, S::Named("functionName", P::Function)),
    a("lambda", "ListFunctions20150331", 30, RO, LAMR, S::Null),
    a("lambda", "GetFunctionConfiguration20150331v2", 20, RO, LAMR, S::Named("functionName", P::Function)),
    a("lambda", "ListEventSourceMappings20150331", 10, RO, LAMR, S::Named("functionName", P::Function)),
    a("lambda", "GetPolicy20150331v2", 10, RO, LAMR, S::Named("functionName", P::Function)),
    a("lambda", "UpdateFunctionCode20150331v2", 8, 0, LAMW, S::LamUpdate),
    a("lambda", "UpdateFunctionConfiguration20150331v2", 4, 0, LAMW, S::LamUpdate),
    a("lambda", "PublishVersion20150331", 4, 0, LAMW, S::Named("functionName", P::Function)),
    a("lambda", "AddPermission20150331v2", 2, 0, LAMW, S::Named("functionName", P::Function)),
    // --- CloudTrail
    a("cloudtrail", "LookupEvents", 30, RO, CT, S::CtLookup),
    a("cloudtrail", "DescribeTrails", 30, RO, CT, S::Null),
    a("cloudtrail", "GetTrailStatus", 30, RO, CT, S::Named("name", P::Trail)),
    a("cloudtrail", "GetEventSelectors", 15, RO, CT, S::Named("trailName", P::Trail)),
    a("cloudtrail", "ListTrails", 10, RO, CT, S::Null),
    a("cloudtrail", "GetInsightSelectors", 5, RO, CT, S::Named("trailName", P::Trail)),
    a("cloudtrail", "StopLogging", 0, 0, NONE, S::Named("name", P::Trail)),
    a("cloudtrail", "DeleteTrail", 0, 0, NONE, S::Named("name", P::Trail)),
    // --- CloudWatch Logs
    a("logs", "CreateLogStream", 150, 0, LOGS, S::LogsStream),
    a("logs", "CreateLogGroup", 10, 0, LOGS, S::Named("logGroupName", P::LogGroup)),
    a("logs", "DescribeLogGroups", 60, RO, LOGS, S::Max("limit", 50)),
    a("logs", "DescribeLogStreams", 60, RO, LOGS, S::Named("logGroupName", P::LogGroup)),
    a("logs", "FilterLogEvents", 20, RO, LOGS, S::Named("logGroupName", P::LogGroup)),
    a("logs", "GetLogEvents", 30, RO, LOGS, S::LogsStream),
    a("logs", "PutRetentionPolicy", 4, 0, LOGS, S::Named("logGroupName", P::LogGroup)),
    a("logs", "StartQuery", 10, RO, LOGS, S::Named("logGroupName", P::LogGroup)),
    a("logs", "GetQueryResults", 20, RO, LOGS, S::Null),
    a("logs", "DescribeSubscriptionFilters", 10, RO, LOGS, S::Named("logGroupName", P::LogGroup)),
    // --- DynamoDB
    a("dynamodb", "GetItem", 700, RO | DATA, DDB, S::DdbItem),
    a("dynamodb", "PutItem", 250, DATA, DDB, S::DdbItem),
    a("dynamodb", "Query", 350, RO | DATA, DDB, S::DdbItem),
    a("dynamodb", "UpdateItem", 120, DATA, DDB, S::DdbItem),
    a("dynamodb", "DeleteItem", 20, DATA, DDB, S::DdbItem),
    a("dynamodb", "BatchWriteItem", 40, DATA, DDB, S::DdbItem),
    a("dynamodb", "Scan", 10, RO | DATA, DDB, S::DdbItem),
    a("dynamodb", "DescribeTable", 60, RO, DDB, S::Named("tableName", P::Table)),
    a("dynamodb", "ListTables", 20, RO, DDB, S::Null),
    a("dynamodb", "DescribeContinuousBackups", 10, RO, DDB, S::Named("tableName", P::Table)),
    a("dynamodb", "DescribeTimeToLive", 10, RO, DDB, S::Named("tableName", P::Table)),
    // --- SSM
    a("ssm", "UpdateInstanceInformation", 400, 0, SSMAGENT, S::SsmInst),
    a("ssm", "ListAssociations", 120, RO, SSMAGENT, S::SsmInst),
    a("ssm", "ListInstanceAssociations", 120, RO, SSMAGENT, S::SsmInst),
    a("ssm", "GetParameter", 150, RO, SSM, S::SsmParam),
    a("ssm", "GetParameters", 60, RO, SSM, S::SsmParams),
    a("ssm", "GetParametersByPath", 30, RO, SSM, S::SsmParam),
    a("ssm", "DescribeInstanceInformation", 30, RO, SSM, S::Max("maxResults", 50)),
    a("ssm", "DescribeParameters", 20, RO, SSM, S::Max("maxResults", 50)),
    a("ssm", "PutParameter", 4, 0, SSM, S::SsmParam),
    a("ssm", "SendCommand", 4, 0, SSM, S::Named("instanceIds", P::Instance)),
    a("ssm", "StartSession", 3, 0, SSM, S::Named("target", P::Instance)),
    // --- Secrets Manager
    a("secretsmanager", "GetSecretValue", 150, RO, SEC, S::Named("secretId", P::Secret)),
    a("secretsmanager", "DescribeSecret", 30, RO, SEC, S::Named("secretId", P::Secret)),
    a("secretsmanager", "ListSecrets", 20, RO, SEC, S::Null),
    a("secretsmanager", "PutSecretValue", 3, 0, SEC, S::Named("secretId", P::Secret)),
    a("secretsmanager", "RotateSecret", 2, 0, SEC, S::Named("secretId", P::Secret)),
    // --- assorted other services
    a("monitoring", "GetMetricData", 150, RO, MISCR, S::MetricData),
    a("monitoring", "DescribeAlarms", 60, RO, MISCR, S::Max("maxRecords", 100)),
    a("monitoring", "ListMetrics", 40, RO, MISCR, S::Null),
    a("monitoring", "PutMetricAlarm", 3, 0, MISCW, S::Named("alarmName", P::Function)),
    a("sqs", "GetQueueAttributes", 40, RO, MISCR, S::Named("queueUrl", P::Queue)),
    a("sqs", "ListQueues", 10, RO, MISCR, S::Null),
    a("sns", "ListTopics", 10, RO, MISCR, S::Null),
    a("sns", "GetTopicAttributes", 20, RO, MISCR, S::Named("topicArn", P::Topic)),
    a("sns", "Publish", 60, DATA, MISCW, S::Named("topicArn", P::Topic)),
    a("ecr", "GetAuthorizationToken", 80, RO, MISCR, S::Null),
    a("ecr", "BatchGetImage", 60, RO, MISCR, S::Named("repositoryName", P::Repo)),
    a("ecr", "GetDownloadUrlForLayer", 60, RO, MISCR, S::Named("repositoryName", P::Repo)),
    a("ecr", "DescribeRepositories", 20, RO, MISCR, S::Null),
    a("ecr", "PutImage", 4, 0, MISCW, S::Named("repositoryName", P::Repo)),
    a("ecs", "DescribeServices", 30, RO, MISCR, S::Named("cluster", P::Cluster)),
    a("ecs", "ListClusters", 10, RO, MISCR, S::Null),
    a("ecs", "UpdateService", 3, 0, MISCW, S::Named("cluster", P::Cluster)),
    a("rds", "DescribeDBInstances", 40, RO, MISCR, S::Named("dBInstanceIdentifier", P::Db)),
    a("rds", "DescribeDBClusters", 20, RO, MISCR, S::Null),
    a("cloudformation", "DescribeStacks", 60, RO, MISCR, S::Named("stackName", P::Stack)),
    a("cloudformation", "ListStacks", 20, RO, MISCR, S::Null),
    a("cloudformation", "DescribeStackEvents", 30, RO, MISCR, S::Named("stackName", P::Stack)),
    a("cloudformation", "GetTemplate", 10, RO, MISCR, S::Named("stackName", P::Stack)),
    a("cloudformation", "CreateChangeSet", 3, 0, MISCW, S::Named("stackName", P::Stack)),
    a("cloudformation", "ExecuteChangeSet", 3, 0, MISCW, S::Named("stackName", P::Stack)),
    a("elasticloadbalancing", "DescribeLoadBalancers", 40, RO, MISCR, S::Null),
    a("elasticloadbalancing", "DescribeTargetHealth", 60, RO, MISCR, S::Named("targetGroupArn", P::Cluster)),
    a("elasticloadbalancing", "DescribeTargetGroups", 30, RO, MISCR, S::Null),
    a("autoscaling", "DescribeAutoScalingGroups", 40, RO, MISCR, S::Max("maxRecords", 100)),
    a("route53", "ListHostedZones", 10, RO | G, MISCR, S::Null),
    a("route53", "ListResourceRecordSets", 20, RO | G, MISCR, S::Named("hostedZoneId", P::Zone)),
    a("route53", "ChangeResourceRecordSets", 2, G, MISCW, S::Named("hostedZoneId", P::Zone)),
    a("organizations", "DescribeOrganization", 20, RO | G, MISCR, S::Null),
    a("organizations", "ListAccounts", 10, RO | G, MISCR, S::Null),
    a("guardduty", "ListDetectors", 10, RO, MISCR, S::Null),
    a("securityhub", "GetFindings", 10, RO, MISCR, S::Max("maxResults", 100)),
    a("access-analyzer", "ListAnalyzers", 5, RO, MISCR, S::Null),
    a("tagging", "GetResources", 20, RO, MISCR, S::Max("resourcesPerPage", 100)),
    a("config", "PutEvaluations", 60, 0, CONFIG, S::ConfigEval),
    a("config", "DescribeConfigRules", 10, RO, CONFIG | MISCR, S::Null),
    a("config", "DescribeConfigurationRecorders", 10, RO, CONFIG | MISCR, S::Null),
    // --- sign-in and IAM Identity Center (global)
    a("signin", "ConsoleLogin", 20, G, SIGNIN, S::ConsoleLogin),
    a("signin", "CheckMfa", 8, G, SIGNIN, S::Null),
    a("signin", "SwitchRole", 3, G, SIGNIN, S::Null),
    a("sso", "Federate", 10, G, SSO, S::SsoRole),
    a("sso", "GetRoleCredentials", 20, G, SSO, S::SsoRole),
    a("sso", "ListAccounts", 10, RO | G, SSO, S::Null),
    a("sso", "ListAccountRoles", 10, RO | G, SSO, S::SsoRole),
    a("sso", "Authenticate", 5, G, SSO, S::Null),
    // --- AWS service events (eventType AwsServiceEvent)
    a("kms", "RotateKey", 20, SVCEVT, SVCE, S::SvcEvent),
    a("kms", "DeleteExpiredKeyMaterial", 5, SVCEVT, SVCE, S::SvcEvent),
    a("ec2", "SharedSnapshotCopyInitiated", 5, SVCEVT, SVCE, S::SvcEvent),
    a("backup", "BackupJobCompleted", 20, SVCEVT, SVCE, S::SvcEvent),
];

/// Index of `src:name` in [`APIS`]; panics on typos (caught by the unit test below).
pub fn api(spec: &str) -> usize {
    let (src, name) = spec.split_once(':').expect("src:name");
    APIS.iter()
        .position(|a| a.src == src && a.name == name)
        .unwrap_or_else(|| panic!("unknown api {spec}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_unique() {
        for (i, x) in APIS.iter().enumerate() {
            assert_eq!(api(&format!("{}:{}", x.src, x.name)), i);
        }
        assert!(APIS.len() >= 150);
    }
}
