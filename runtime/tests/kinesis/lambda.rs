//! The generated stack's inline test Lambda, run under Node exactly as the stack embeds it
//! (`Code.ZipFile` of the `AWS::Lambda::Function` in the committed `out/cloudformation/shop.yaml`,
//! which the generator's freshness check keeps current), against kinesalite: with and without
//! a payload it puts the expected record on the right stream with the right partition key.

use std::path::Path;

use serde_json::{Value, json};
use serde_norway::Value as Yaml;

use eventlake::DatalakeEvent;
use eventlake::kinesis::stream_name;

use crate::events::shop::{OrderPlaced, PaymentCaptured, StaffUpdated};
use crate::support::{
    Kinesalite, Stored, TestResult, client, create_stream, node, node_modules, read_all, repo_root,
};

const ENVIRONMENT: &str = "test";

/// An invocation: event, payload, the record's expected data and partition key (`None`: a
/// random UUID).
type Case<'a> = (&'a str, Option<&'a Value>, Vec<u8>, Option<String>);

/// The stack's Lambda function and stream names (with `${Environment}` = ENVIRONMENT).
struct Stack {
    code: String,
    handler: String,
    runtime: String,
    env_vars: Vec<String>,
    streams: Vec<String>,
}

fn load_stack() -> TestResult<Stack> {
    let path = repo_root().join("out/cloudformation/shop.yaml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: Yaml = serde_norway::from_str(&text)?;
    let resources = doc
        .get("Resources")
        .and_then(Yaml::as_mapping)
        .ok_or("the stack has no Resources")?;
    let of_type = |ty: &str| -> Vec<&Yaml> {
        resources
            .values()
            .filter(|r| r.get("Type").and_then(Yaml::as_str) == Some(ty))
            .filter_map(|r| r.get("Properties"))
            .collect()
    };
    let functions = of_type("AWS::Lambda::Function");
    let [function] = functions.as_slice() else {
        return Err(format!("expected one Lambda function, found {}", functions.len()).into());
    };
    let code = function
        .get("Code")
        .and_then(|c| c.get("ZipFile"))
        .and_then(Yaml::as_str)
        .ok_or("the function has no inline Code.ZipFile")?
        .to_owned();
    let text_of = |v: Option<&Yaml>| v.and_then(Yaml::as_str).unwrap_or_default().to_owned();
    let env_vars = function
        .get("Environment")
        .and_then(|e| e.get("Variables"))
        .and_then(Yaml::as_mapping)
        .map(|m| {
            m.keys()
                .filter_map(Yaml::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let streams = of_type("AWS::Kinesis::Stream")
        .into_iter()
        .map(|p| match p.get("Name") {
            Some(Yaml::Tagged(t)) if t.tag == "Sub" => {
                t.value.as_str().unwrap_or_default().to_owned()
            }
            other => text_of(other),
        })
        .map(|n| n.replace("${Environment}", ENVIRONMENT))
        .collect();
    Ok(Stack {
        code,
        handler: text_of(function.get("Handler")),
        runtime: text_of(function.get("Runtime")),
        env_vars,
        streams,
    })
}

/// Invokes `exports.handler(input)` of `index.js` in `dir` under Node, as Lambda would.
fn invoke(dir: &Path, endpoint: &str, input: &Value) -> TestResult<Result<Value, String>> {
    let out = node()?
        .arg(dir.join("invoke.js"))
        .arg(dir.join("index.js"))
        .arg(input.to_string())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("NODE_PATH", node_modules()?)
        .env("AWS_ENDPOINT_URL_KINESIS", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("EVENTLAKE_ENVIRONMENT", ENVIRONMENT)
        .output()?;
    if out.status.success() {
        Ok(Ok(serde_json::from_slice(&out.stdout)?))
    } else {
        Ok(Err(String::from_utf8_lossy(&out.stderr).into_owned()))
    }
}

/// The compact JSON of the committed sample of `event` (what the Lambda sends without payload).
fn sample(event: &str) -> TestResult<(Vec<u8>, Value)> {
    let path = repo_root().join(format!("out/samples/{event}.json"));
    let value: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    Ok((serde_json::to_vec(&value)?, value))
}

fn one_new(before: &[Stored], after: Vec<Stored>) -> TestResult<Stored> {
    let new: Vec<Stored> = after.into_iter().filter(|s| !before.contains(s)).collect();
    match <[Stored; 1]>::try_from(new) {
        Ok([s]) => Ok(s),
        Err(v) => Err(format!("expected one new record, found {}", v.len()).into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stack_test_lambda_puts_the_expected_records() -> TestResult {
    let stack = load_stack()?;
    assert_eq!(stack.handler, "index.handler");
    assert!(stack.runtime.starts_with("nodejs"), "{}", stack.runtime);
    assert_eq!(stack.env_vars, ["EVENTLAKE_ENVIRONMENT"]);
    // The producer's stream names are the stack's.
    for name in [
        stream_name::<OrderPlaced>(ENVIRONMENT),
        stream_name::<PaymentCaptured>(ENVIRONMENT),
        stream_name::<StaffUpdated>(ENVIRONMENT),
    ] {
        assert!(
            stack.streams.contains(&name),
            "{name} not in {:?}",
            stack.streams
        );
    }

    let dir = tempfile::tempdir()?;
    // CloudFormation writes ZipFile to `index.js`; the runner calls the handler like Lambda.
    std::fs::write(dir.path().join("index.js"), &stack.code)?;
    std::fs::write(
        dir.path().join("invoke.js"),
        "const { handler } = require(process.argv[2]);\n\
         handler(JSON.parse(process.argv[3])).then(\n\
           (r) => process.stdout.write(JSON.stringify(r)),\n\
           (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });\n",
    )?;

    let kinesalite = Kinesalite::start()?;
    let kinesis = client(&kinesalite.endpoint());
    for s in &stack.streams {
        create_stream(&kinesis, s, 1).await?;
    }
    let endpoint = kinesalite.endpoint();

    let (order_sample, order_value) = sample("order_placed")?;
    let (payment_sample, payment_value) = sample("payment_captured")?;
    let (staff_sample, staff_value) = sample("staff_updated")?;
    let order_payload = json!({
        "order_id": "o-77", "occurred_at": "2024-06-01T12:00:00.250Z", "customer_id": 2042,
        "total": 12.5, "currency": "GBP", "items": [{"sku": "a", "quantity": 2, "unit_price": 6.25}]
    });
    let staff_payload = json!({
        "staffName": "Ada", "staffId": 7, "sourceTimestamp": "2024-06-01T12:00:00.000Z",
        "metadata": {"appName": "hr", "eventType": "UPDATE"}
    });
    let no_key_payload =
        json!({ "order_id": "o-78", "occurred_at": "2024-06-01T12:00:00.000Z", "total": 1 });
    let key_of = |v: &Value, k: &str| {
        v[k].as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v[k].to_string())
    };
    let cases: Vec<Case> = vec![
        (
            "order_placed",
            None,
            order_sample,
            Some(key_of(&order_value, "customer_id")),
        ),
        (
            "payment_captured",
            None,
            payment_sample,
            Some(key_of(&payment_value, "order_id")),
        ),
        (
            "staff_updated",
            None,
            staff_sample,
            Some(key_of(&staff_value, "staffId")),
        ),
        (
            "order_placed",
            Some(&order_payload),
            serde_json::to_vec(&order_payload)?,
            Some("2042".into()),
        ),
        (
            "staff_updated",
            Some(&staff_payload),
            serde_json::to_vec(&staff_payload)?,
            Some("7".into()),
        ),
        (
            "order_placed",
            Some(&no_key_payload),
            serde_json::to_vec(&no_key_payload)?,
            None,
        ),
    ];
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (event, payload, data, key) in cases {
        let stream = format!("shop-{ENVIRONMENT}-{event}");
        let before = read_all(&kinesis, &stream).await?;
        let mut input = json!({ "event": event });
        if let Some(p) = payload {
            input["payload"] = p.clone();
        }
        let answer = invoke(dir.path(), &endpoint, &input)?
            .map_err(|stderr| format!("the Lambda failed for {input}: {stderr}"))?;
        assert_eq!(answer["stream"], json!(stream), "{answer}");
        assert_eq!(answer["event"], json!(event));
        let record = one_new(&before, read_all(&kinesis, &stream).await?)?;
        assert_eq!(
            String::from_utf8_lossy(&record.data),
            String::from_utf8_lossy(&data),
            "{input}"
        );
        assert_eq!(answer["partitionKey"], json!(record.partition_key));
        match key {
            Some(k) => assert_eq!(record.partition_key, k, "{input}"),
            None => assert_eq!(
                record.partition_key.len(),
                36,
                "a random UUID: {}",
                record.partition_key
            ),
        }
        assert_eq!(answer["shardId"], json!(record.shard));
        // No other stream got anything.
        for other in stack.streams.iter().filter(|s| **s != stream) {
            let n = read_all(&kinesis, other).await?.len();
            assert_eq!(
                n,
                counts.get(other).copied().unwrap_or(0),
                "{other} changed for {input}"
            );
        }
        counts.insert(stream.clone(), before.len() + 1);
    }

    // An unknown event is an error that names the events.
    let err = invoke(dir.path(), &endpoint, &json!({ "event": "nope" }))?
        .err()
        .ok_or("an unknown event must fail")?;
    assert!(
        err.contains("unknown event \"nope\"") && err.contains("order_placed"),
        "{err}"
    );
    // Records of typed producers and of the Lambda agree for the same event.
    let typed = crate::events::orders(1).remove(0);
    let from_typed: Value = serde_json::from_slice(&typed.to_record())?;
    let answer = invoke(
        dir.path(),
        &endpoint,
        &json!({ "event": "order_placed", "payload": from_typed }),
    )?
    .map_err(|e| format!("the Lambda failed: {e}"))?;
    assert_eq!(answer["partitionKey"], json!(typed.partition_key()));
    Ok(())
}
