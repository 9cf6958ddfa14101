//! requestParameters / responseElements / additionalEventData / resources per catalog style.

use std::fmt::Write as _;

use crate::cast::Kind;
use crate::catalog::{Pool, Style};
use crate::event::{Ev, Scratch, push_host, push_kv};
use crate::util::*;

fn res(s: &mut Scratch, acct: Option<&str>, ty: &str, arn_a: &str, arn_b: &str) {
    if !s.res.is_empty() {
        s.res.push(',');
    }
    s.res.push('{');
    if let Some(acct) = acct {
        push_kv(&mut s.res, "accountId", acct);
        s.res.push(',');
    }
    push_kv(&mut s.res, "type", ty);
    s.res.push_str(r#","ARN":""#);
    s.res.push_str(arn_a);
    s.res.push_str(arn_b);
    s.res.push_str("\"}");
}

/// Object keys come from a per-account pool (hot objects are read again and again).
fn s3_key(out: &mut String, rng: &mut Rng, t: i64, acct_seed: u64) {
    let x = split_time(t);
    let rng = &mut Rng::new(mix(acct_seed, rng.below(800)));
    match rng.below(4) {
        0 => {
            let _ = write!(
                out,
                "data/year={}/month={:02}/day={:02}/part-{:05}-",
                x.y,
                x.mo,
                x.d,
                rng.below(512)
            );
            push_uuid(out, rng);
            out.push_str(".snappy.parquet");
        }
        1 => {
            out.push_str("artifacts/orders-processor/");
            push_hex(out, rng, 40);
            out.push_str(".zip");
        }
        2 => {
            let _ = write!(out, "exports/customers-{}{:02}{:02}.csv.gz", x.y, x.mo, x.d);
        }
        _ => {
            out.push_str("uploads/");
            push_uuid(out, rng);
            out.push_str("/image.jpg");
        }
    }
}

fn s3_aed(out: &mut String, rng: &mut Rng, get: bool, put: bool) {
    out.push_str(r#","additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":"#);
    push_u64(out, if put { rng.range(200, 4_000_000) } else { 0 });
    out.push_str(if put || rng.chance(3000) {
        r#","SSEApplied":"SSE_KMS""#
    } else {
        r#","SSEApplied":"Default_SSE_S3""#
    });
    out.push_str(r#","AuthenticationMethod":"AuthHeader","x-amz-id-2":""#);
    push_b64(out, rng, 75);
    out.push_str(r#"=","bytesTransferredOut":"#);
    push_u64(out, if get { rng.range(100, 8_000_000) } else { 0 });
    out.push('}');
}

fn credentials(out: &mut String, rng: &mut Rng, t: i64, dur: i64) {
    out.push_str(r#"{"credentials":{"accessKeyId":"ASIA"#);
    push_b32(out, rng, 16);
    out.push_str(r#"","sessionToken":"IQoJb3JpZ2luX2VjE"#);
    push_b64(out, rng, 340);
    out.push_str(r#"","expiration":""#);
    push_sts_expiration(out, t + dur);
    out.push_str("\"}");
}

fn named_value(out: &mut String, ev: &Ev, pool: Pool, key: &str, rng: &mut Rng) {
    let (a, region) = (ev.acct, ev.region);
    if let Some(n) = ev.name.filter(|_| matches!(pool, Pool::User | Pool::Role)) {
        out.push_str(n);
        return;
    }
    match pool {
        Pool::User => out.push_str(rng.pick_str(&a.users)),
        Pool::Role if key == "arn" => {
            let _ = write!(out, "arn:aws:iam::{}:role/{}", a.id, rng.pick(&a.roles));
        }
        Pool::Role => out.push_str(rng.pick_str(&a.roles)),
        Pool::PolicyArn => out.push_str(ev.policy.unwrap_or_else(|| rng.pick_str(&a.policies))),
        Pool::Table => out.push_str(rng.pick_str(&a.tables)),
        Pool::Function => out.push_str(rng.pick_str(&a.functions)),
        Pool::LogGroup => out.push_str(rng.pick_str(&a.log_groups)),
        Pool::Secret => {
            let _ = write!(
                out,
                "arn:aws:secretsmanager:{region}:{}:secret:{}",
                a.id,
                rng.pick(&a.secrets)
            );
        }
        Pool::Instance => {
            let prefix = match key {
                "volumeId" => "vol-",
                "subnetId" => "subnet-",
                "groupId" => "sg-",
                "networkInterfaceId" => "eni-",
                _ => "i-",
            };
            out.push_str(prefix);
            out.push_str(&rng.pick(&a.instances)[2..]);
        }
        Pool::Stack => out.push_str(rng.pick_str(&a.stacks)),
        Pool::Cluster if key == "targetGroupArn" => {
            let _ = write!(
                out,
                "arn:aws:elasticloadbalancing:{region}:{}:targetgroup/{}/",
                a.id,
                rng.pick(&a.clusters)
            );
            push_hex(out, rng, 16);
        }
        Pool::Cluster => out.push_str(rng.pick_str(&a.clusters)),
        Pool::KeyId => {
            let _ = write!(
                out,
                "arn:aws:kms:{region}:{}:key/{}",
                a.id,
                rng.pick(&a.keys)
            );
        }
        Pool::Queue => {
            let _ = write!(
                out,
                "https://sqs.{region}.amazonaws.com/{}/{}",
                a.id,
                rng.pick(&a.queues)
            );
        }
        Pool::Topic => {
            let _ = write!(out, "arn:aws:sns:{region}:{}:{}", a.id, rng.pick(&a.queues));
        }
        Pool::Repo => out.push_str(rng.pick_str(&a.repos)),
        Pool::Zone => out.push_str(rng.pick_str(&a.zones)),
        Pool::Trail => out.push_str(&a.trail_arn),
        Pool::Db => out.push_str(rng.pick_str(&a.dbs)),
    }
}

/// Writes requestParameters, responseElements and additionalEventData; fills resources.
/// Returns whether a sharedEventID should be added.
pub(crate) fn params(out: &mut String, s: &mut Scratch, ev: &Ev, rng: &mut Rng) -> bool {
    let (api, a, p, region, t) = (ev.api, ev.acct, ev.p, ev.region, ev.t);
    let acct = a.id.as_str();
    let ok = ev.fail.is_none();
    out.push_str(r#","requestParameters":"#);
    let mut shared = false;
    match api.style {
        Style::Null | Style::SvcEvent => out.push_str("null"),
        Style::Max(k, n) => {
            out.push_str("{\"");
            out.push_str(k);
            out.push_str("\":");
            push_u64(out, u64::from(n));
            out.push('}');
        }
        Style::Named(k, pool) => {
            out.push_str("{\"");
            out.push_str(k);
            match k {
                "resourcesSet" => out.push_str(r#"":{"items":[{"resourceId":""#),
                "instanceIds" => out.push_str(r#"":[""#),
                _ => out.push_str("\":\""),
            }
            let start = out.len();
            named_value(out, ev, pool, k, rng);
            if pool == Pool::KeyId {
                let arn = out[start..].to_string();
                res(s, Some(acct), "AWS::KMS::Key", &arn, "");
            }
            match k {
                "resourcesSet" => out
                    .push_str(r#""}]},"tagSet":{"items":[{"key":"Environment","value":"prod"}]}}"#),
                "instanceIds" => out.push_str(r#""],"documentName":"AWS-RunShellScript"}"#),
                _ => out.push_str("\"}"),
            }
        }
        Style::S3Plain => {
            out.push_str(r#"{"Host":"s3."#);
            out.push_str(region);
            out.push_str(r#".amazonaws.com"}"#);
        }
        Style::S3Bucket(_) | Style::S3Obj | Style::S3Put | Style::S3List => {
            let b = rng.pick(&a.buckets).as_str();
            out.push_str(r#"{"bucketName":""#);
            out.push_str(b);
            out.push_str(r#"","Host":""#);
            push_host(&mut s.host, api, region, Some(b));
            out.push_str(&s.host);
            out.push('"');
            let mut key_at = None;
            match api.style {
                Style::S3Bucket(sub) => {
                    out.push_str(",\"");
                    out.push_str(sub);
                    out.push_str("\":\"\"");
                }
                Style::S3List => out.push_str(
                    r#","list-type":"2","encoding-type":"url","prefix":"data/","max-keys":"1000""#,
                ),
                _ => {
                    out.push_str(r#","key":""#);
                    key_at = Some(out.len());
                    s3_key(out, rng, t, a.seed);
                    out.push('"');
                    if api.style == Style::S3Put {
                        let _ = write!(
                            out,
                            r#","x-amz-server-side-encryption":"aws:kms","x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:{region}:{acct}:key/{}""#,
                            a.keys[0]
                        );
                    }
                }
            }
            out.push('}');
            if let Some(k) = key_at {
                let key = out[k..out.len() - 1]
                    .split('"')
                    .next()
                    .unwrap_or("")
                    .to_string();
                res(
                    s,
                    None,
                    "AWS::S3::Object",
                    &format!("arn:aws:s3:::{b}/"),
                    &key,
                );
            }
            res(s, Some(acct), "AWS::S3::Bucket", "arn:aws:s3:::", b);
            out.push_str(r#","responseElements":"#);
            if api.style == Style::S3Put && ok {
                let _ = write!(
                    out,
                    r#"{{"x-amz-server-side-encryption":"aws:kms","x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:{region}:{acct}:key/{}","x-amz-version-id":""#,
                    a.keys[0]
                );
                push_alnum(out, rng, 32);
                out.push_str("\"}");
            } else {
                out.push_str("null");
            }
            s3_aed(out, rng, api.name == "GetObject", api.style == Style::S3Put);
            return false;
        }
        Style::Ec2Describe(set) => {
            out.push('{');
            if !set.is_empty() {
                out.push('"');
                out.push_str(set);
                if set == "instancesSet" && rng.chance(3000) {
                    out.push_str(r#"":{"items":[{"instanceId":""#);
                    out.push_str(rng.pick_str(&a.instances));
                    out.push_str(r#""}]},"#);
                } else {
                    out.push_str("\":{},");
                }
            }
            match rng.below(10) {
                0..=3 => out.push_str(r#""filterSet":{"items":[{"name":"instance-state-name","valueSet":{"items":[{"value":"running"},{"value":"pending"}]}},{"name":"tag:Environment","valueSet":{"items":[{"value":"prod"}]}}]},"maxResults":1000}"#),
                4..=5 => out.push_str(r#""filterSet":{"items":[{"name":"vpc-id","valueSet":{"items":[{"value":"vpc-0a1b2c3d4e5f60718"}]}},{"name":"tag:aws:cloudformation:stack-name","valueSet":{"items":[{"value":"web-prod"}]}}]},"maxResults":200}"#),
                _ => out.push_str(r#""filterSet":{}}"#),
            }
        }
        Style::Ec2Inst => {
            let i = rng.pick(&a.instances).as_str();
            let _ = write!(
                out,
                r#"{{"instancesSet":{{"items":[{{"instanceId":"{i}"}}]}}}}"#
            );
            if ok {
                let (c, n, pc, pn) = match api.name {
                    "StartInstances" => (0, "pending", 80, "stopped"),
                    "StopInstances" => (64, "stopping", 16, "running"),
                    _ => (32, "shutting-down", 16, "running"),
                };
                out.push_str(r#","responseElements":{"requestId":""#);
                push_uuid(out, rng);
                let _ = write!(
                    out,
                    r#"","instancesSet":{{"items":[{{"instanceId":"{i}","currentState":{{"code":{c},"name":"{n}"}},"previousState":{{"code":{pc},"name":"{pn}"}}}}]}}}}"#
                );
                return false;
            }
        }
        Style::Ec2Run => {
            let i = rng.pick(&a.instances).as_str();
            let _ = write!(
                out,
                r#"{{"instancesSet":{{"items":[{{"imageId":"ami-0{}","minCount":1,"maxCount":1}}]}},"instanceType":"t3.medium","blockDeviceMapping":{{}},"monitoring":{{"enabled":false}},"disableApiTermination":false,"disableApiStop":false,"clientToken":"{}","iamInstanceProfile":{{"arn":"arn:aws:iam::{acct}:instance-profile/AppServerRole"}}}}"#,
                &a.keys[1][..16].replace('-', "0"),
                uuid(rng)
            );
            if ok {
                let _ = write!(
                    out,
                    r#","responseElements":{{"requestId":"{}","reservationId":"r-0{}","ownerId":"{acct}","groupSet":{{}},"instancesSet":{{"items":[{{"instanceId":"{i}","instanceState":{{"code":0,"name":"pending"}},"privateDnsName":"ip-10-0-1-23.{region}.compute.internal","amiLaunchIndex":0,"productCodes":{{}},"instanceType":"t3.medium","launchTime":{},"placement":{{"availabilityZone":"{region}a","tenancy":"default"}},"monitoring":{{"state":"disabled"}},"privateIpAddress":"10.0.1.23","stateReason":{{"code":"pending","message":"pending"}},"architecture":"x86_64","rootDeviceType":"ebs","rootDeviceName":"/dev/xvda","virtualizationType":"hvm","hypervisor":"xen","sourceDestCheck":true,"ebsOptimized":false,"enaSupport":true,"cpuOptions":{{"coreCount":1,"threadsPerCore":2}},"metadataOptions":{{"state":"pending","httpTokens":"required","httpPutResponseHopLimit":2,"httpEndpoint":"enabled"}}}}]}}}}"#,
                    uuid(rng),
                    &i[3..],
                    t * 1000
                );
                return false;
            }
        }
        Style::StsAssume | Style::StsSaml => {
            let target = p.target.unwrap_or_else(|| {
                let roles: Vec<usize> = (0..a.principals.len())
                    .filter(|&i| a.principals[i].kind == Kind::Role)
                    .collect();
                *rng.pick(&roles)
            });
            let r = &a.principals[target];
            if api.style == Style::StsSaml {
                out.push_str(r#"{"sAMLAssertionID":"_"#);
                push_uuid(out, rng);
                let _ = write!(
                    out,
                    r#"","roleSessionName":"{}","principalArn":"{}","roleArn":"{}","durationSeconds":3600}}"#,
                    r.session, p.arn, r.role_arn
                );
            } else {
                let _ = write!(
                    out,
                    r#"{{"roleArn":"{}","roleSessionName":"{}","durationSeconds":3600}}"#,
                    r.role_arn, r.session
                );
            }
            res(s, Some(acct), "AWS::IAM::Role", &r.role_arn, "");
            out.push_str(r#","responseElements":"#);
            if ok {
                credentials(out, rng, t, 3600);
                let _ = write!(
                    out,
                    r#","assumedRoleUser":{{"assumedRoleId":"{}:{}","arn":"{}"}}"#,
                    r.role_id, r.session, r.arn
                );
                if api.style == Style::StsSaml {
                    let _ = write!(
                        out,
                        r#","subject":"{}","subjectType":"persistent","issuer":"http://adfs.example.com/adfs/services/trust","audience":"https://signin.aws.amazon.com/saml","nameQualifier":"{}""#,
                        r.session,
                        &p.ident_a[p.ident_a.len() - 30..p.ident_a.len() - 2]
                    );
                }
                out.push('}');
            } else {
                out.push_str("null");
            }
            return p.kind == Kind::External;
        }
        Style::StsSession => {
            out.push_str(r#"{"durationSeconds":43200},"responseElements":"#);
            if ok {
                credentials(out, rng, t, 43_200);
                out.push('}');
            } else {
                out.push_str("null");
            }
            return false;
        }
        Style::KmsDecrypt | Style::KmsGdk => {
            let key = rng.pick(&a.keys);
            let key_arn = format!("arn:aws:kms:{region}:{acct}:key/{key}");
            if api.style == Style::KmsGdk {
                let _ = write!(
                    out,
                    r#"{{"keyId":"{key_arn}","keySpec":"AES_256","encryptionContext":{{"#
                );
            } else {
                out.push_str(r#"{"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"#);
            }
            if p.kind == Kind::Service && p.label.starts_with("cloudtrail") {
                let x = split_time(t);
                let _ = write!(
                    out,
                    r#""aws:cloudtrail:arn":"{}","aws:s3:arn":"arn:aws:s3:::org-cloudtrail-{}/AWSLogs/{}/CloudTrail/{region}/{}/{:02}/{:02}/{}_CloudTrail_{region}_{}{:02}{:02}T{:02}{:02}Z_"#,
                    a.trail_arn,
                    &a.trail_arn[a.trail_arn.len() - 31..a.trail_arn.len() - 19],
                    acct,
                    x.y,
                    x.mo,
                    x.d,
                    acct,
                    x.y,
                    x.mo,
                    x.d,
                    x.h,
                    x.mi
                );
                push_alnum(out, rng, 16);
                out.push_str(".json.gz\"");
            } else if rng.chance(5000) {
                let _ = write!(
                    out,
                    r#""aws:s3:arn":"arn:aws:s3:::{}/"#,
                    rng.pick(&a.buckets)
                );
                s3_key(out, rng, t, a.seed);
                out.push('"');
            } else {
                let _ = write!(
                    out,
                    r#""SecretARN":"arn:aws:secretsmanager:{region}:{acct}:secret:{}","SecretVersionId":"{}""#,
                    rng.pick(&a.secrets),
                    uuid(rng)
                );
            }
            out.push_str("}}");
            res(s, Some(acct), "AWS::KMS::Key", &key_arn, "");
        }
        Style::LamInvoke => {
            let f = rng.pick(&a.functions);
            let arn = format!("arn:aws:lambda:{region}:{acct}:function:{f}");
            let _ = write!(
                out,
                r#"{{"functionName":"{arn}","sourceArn":"arn:aws:sqs:{region}:{acct}:orders-queue"}},"responseElements":null,"additionalEventData":{{"functionVersion":"{arn}:$LATEST"}}"#
            );
            res(s, Some(acct), "AWS::Lambda::Function", &arn, "");
            return false;
        }
        Style::LamUpdate => {
            let f = rng.pick(&a.functions);
            let _ = write!(
                out,
                r#"{{"functionName":"{f}","publish":false,"dryRun":false}}"#
            );
            if ok {
                let _ = write!(
                    out,
                    r#","responseElements":{{"functionName":"{f}","functionArn":"arn:aws:lambda:{region}:{acct}:function:{f}","runtime":"nodejs18.x","role":"arn:aws:iam::{acct}:role/service-role/orders-processor-role","handler":"index.handler","codeSize":{},"description":"","timeout":30,"memorySize":512,"lastModified":"{}","codeSha256":"{}=","version":"$LATEST","tracingConfig":{{"mode":"PassThrough"}},"revisionId":"{}","state":"Active","lastUpdateStatus":"InProgress","lastUpdateStatusReason":"The function is being created.","lastUpdateStatusReasonCode":"Creating","packageType":"Zip","architectures":["x86_64"],"ephemeralStorage":{{"size":512}},"snapStart":{{"applyOn":"None","optimizationStatus":"Off"}},"runtimeVersionConfig":{{"runtimeVersionArn":"arn:aws:lambda:{region}::runtime:{}"}}}}"#,
                    rng.range(10_000, 9_000_000),
                    {
                        let mut x = String::new();
                        push_time(&mut x, t);
                        x.replace('Z', ".000+0000")
                    },
                    rand_str(rng, push_b64, "", 43),
                    uuid(rng),
                    rand_str(rng, push_hex, "", 64)
                );
                return false;
            }
        }
        Style::CtLookup => {
            out.push_str(r#"{"lookupAttributes":[{"attributeKey":"EventName","attributeValue":""#);
            out.push_str(rng.pick_str(&[
                "ConsoleLogin",
                "CreateAccessKey",
                "StopLogging",
                "AssumeRole",
            ]));
            out.push_str(r#""}],"maxResults":50}"#);
        }
        Style::LogsStream => {
            out.push_str(r#"{"logGroupName":""#);
            out.push_str(rng.pick_str(&a.log_groups));
            out.push_str(r#"","logStreamName":""#);
            let x = split_time(t);
            let _ = write!(out, "{}/{:02}/{:02}/[$LATEST]", x.y, x.mo, x.d);
            push_hex(out, rng, 32);
            out.push_str("\"}");
        }
        Style::DdbItem => {
            let tb = rng.pick_str(&a.tables);
            let _ = write!(out, r#"{{"tableName":"{tb}","#);
            if api.name == "Query" || api.name == "Scan" {
                out.push_str(r##""indexName":"by-customer","limit":25,"keyConditionExpression":"#pk = :pk AND #sk BETWEEN :from AND :to","filterExpression":"#st <> :cancelled","expressionAttributeNames":{"#pk":"customerId","#sk":"createdAt","#st":"status"},"projectionExpression":"#pk, #sk, #st, orderId, total","consistentRead":false,"returnConsumedCapacity":"TOTAL"}"##);
            } else {
                // Item keys also come from a per-account pool.
                let mut kr = Rng::new(mix(a.seed ^ 0xdd, rng.below(3000)));
                out.push_str(r#""key":{"pk":""#);
                push_uuid(out, &mut kr);
                out.push_str(r#"","sk":"ORDER#"#);
                push_u64(out, kr.range(100_000, 999_999));
                out.push_str(r##""},"projectionExpression":"#0, #1, #2, #3","expressionAttributeNames":{"#0":"status","#1":"total","#2":"updatedAt","#3":"lineItems"},"consistentRead":false,"returnConsumedCapacity":"TOTAL"}"##);
            }
            res(
                s,
                Some(acct),
                "AWS::DynamoDB::Table",
                &format!("arn:aws:dynamodb:{region}:{acct}:table/"),
                tb,
            );
        }
        Style::SsmInst => {
            let inst = if p.session.starts_with("i-") {
                p.session.as_str()
            } else {
                rng.pick(&a.instances).as_str()
            };
            if api.name == "UpdateInstanceInformation" {
                let (o3, o4) = (rng.range(1, 30), rng.range(4, 250));
                let _ = write!(
                    out,
                    r#"{{"instanceId":"{inst}","agentVersion":"3.2.1705.0","agentStatus":"Active","platformType":"Linux","platformName":"Amazon Linux","platformVersion":"2023","iPAddress":"10.0.{o3}.{o4}","computerName":"ip-10-0-{o3}-{o4}.{region}.compute.internal","agentName":"amazon-ssm-agent","availabilityZone":"{region}a"}}"#
                );
            } else {
                let _ = write!(out, r#"{{"instanceId":"{inst}","maxResults":50}}"#);
            }
        }
        Style::SsmParam => {
            let _ = write!(
                out,
                r#"{{"name":"{}","withDecryption":true}}"#,
                rng.pick(&a.params)
            );
        }
        Style::SsmParams => {
            let _ = write!(
                out,
                r#"{{"names":["{}","{}"],"withDecryption":false}}"#,
                a.params[0],
                rng.pick(&a.params)
            );
        }
        Style::ConsoleLogin => {
            let mfa = p.mfa && !ev.hidden_user;
            out.push_str(if ok {
                r#"null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_"#
            } else {
                r#"null,"responseElements":{"ConsoleLogin":"Failure"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_"#
            });
            push_hex(out, rng, 16);
            out.push_str(r#"","MobileVersion":"No","#);
            if mfa {
                let _ = write!(
                    out,
                    r#""MFAIdentifier":"arn:aws:iam::{acct}:mfa/{}","#,
                    p.label
                );
            }
            out.push_str(if mfa {
                r#""MFAUsed":"Yes"}"#
            } else {
                r#""MFAUsed":"No"}"#
            });
            return false;
        }
        Style::SsoRole => {
            let _ = write!(
                out,
                r#"{{"accountId":"{acct}","roleName":"AdministratorAccess"}}"#
            );
        }
        Style::IamCreateUser | Style::IamCreateKey => {
            let u = ev.name.unwrap_or_else(|| rng.pick_str(&a.users));
            let _ = write!(out, r#"{{"userName":"{u}"}},"responseElements":"#);
            if !ok {
                out.push_str("null");
                return false;
            }
            if api.style == Style::IamCreateUser {
                let _ = write!(
                    out,
                    r#"{{"user":{{"path":"/","userName":"{u}","userId":"AIDA"#
                );
                push_b32(out, rng, 17);
                let _ = write!(
                    out,
                    r#"","arn":"arn:aws:iam::{acct}:user/{u}","createDate":""#
                );
            } else {
                let _ = write!(
                    out,
                    r#"{{"accessKey":{{"userName":"{u}","accessKeyId":"AKIA"#
                );
                push_b32(out, rng, 16);
                out.push_str(r#"","status":"Active","createDate":""#);
            }
            push_sts_expiration(out, t);
            out.push_str("\"}}");
            return false;
        }
        Style::IamAttach => {
            let who = if api.name.contains("User") {
                "userName"
            } else {
                "roleName"
            };
            out.push_str("{\"");
            out.push_str(who);
            out.push_str("\":\"");
            let pool = if who == "userName" {
                Pool::User
            } else {
                Pool::Role
            };
            named_value(out, ev, pool, who, rng);
            out.push_str(r#"","policyArn":""#);
            named_value(out, ev, Pool::PolicyArn, "", rng);
            out.push_str("\"}");
        }
        Style::ConfigEval => {
            out.push_str(r#"{"evaluations":[{"complianceResourceType":"AWS::EC2::Instance","complianceResourceId":""#);
            out.push_str(rng.pick_str(&a.instances));
            out.push_str(r#"","complianceType":""#);
            out.push_str(if rng.chance(8000) {
                "COMPLIANT"
            } else {
                "NON_COMPLIANT"
            });
            out.push_str(r#"","orderingTimestamp":""#);
            push_sts_expiration(out, t - 60);
            out.push_str(r#""}],"resultToken":""#);
            push_b64(out, rng, 160);
            out.push_str(r#"","testMode":false},"responseElements":{"failedEvaluations":[]}"#);
            return false;
        }
        Style::MetricData => {
            let _ = write!(
                out,
                r#"{{"metricDataQueries":[{{"id":"m1","metricStat":{{"metric":{{"namespace":"AWS/EC2","metricName":"CPUUtilization","dimensions":[{{"name":"InstanceId","value":"{}"}}]}},"period":300,"stat":"Average"}},"returnData":true}}],"startTime":"#,
                rng.pick(&a.instances)
            );
            out.push('"');
            push_time(out, t - t.rem_euclid(300) - 3600);
            out.push_str(r#"","endTime":""#);
            push_time(out, t - t.rem_euclid(300));
            out.push_str("\"}");
        }
    }
    if api.svc_event() {
        let key = rng.pick(&a.keys);
        let arn = format!("arn:aws:kms:{region}:{acct}:key/{key}");
        match api.src {
            "kms" => {
                let _ = write!(s.sed, r#"{{"keyId":"{key}"}}"#);
                res(s, Some(acct), "AWS::KMS::Key", &arn, "");
            }
            "backup" => {
                let _ = write!(
                    s.sed,
                    r#"{{"backupJobId":"{}","backupVaultName":"Default","resourceType":"DynamoDB","state":"COMPLETED"}}"#,
                    uuid(rng)
                );
            }
            _ => {
                let _ = write!(
                    s.sed,
                    r#"{{"snapshotId":"snap-0{}","sourceAccountId":"{}"}}"#,
                    &key[..16].replace('-', "0"),
                    a.ext_id
                );
                shared = true;
            }
        }
    }
    out.push_str(r#","responseElements":null"#);
    shared
}
