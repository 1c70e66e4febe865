//! The "Deploy" section of `README.md`: the exact `aws cloudformation deploy` commands for
//! this lake's stacks (in order, with `--s3-bucket` when a template is above the inline
//! limit), how to send a test event, and where rows, failures and alarms show up.
//!
//! The stacks are rendered here to know their files and sizes, so the commands cannot
//! disagree with what `cloudformation/` holds.

use serde::Serialize;

use super::Context;
use super::cloudformation::{self, MAX_INLINE_BYTES};
use crate::plan::DEFAULT_ENV;

/// One `aws cloudformation deploy` command.
#[derive(Debug, Serialize)]
pub struct DeployStep {
    /// The template, relative to the output folder.
    pub file: String,
    /// The command, one line per argument group (joined with ` \` line breaks).
    pub command: Vec<String>,
}

/// What the README's Deploy section shows.
#[derive(Debug, Serialize)]
pub struct Deploy {
    /// The commands, in deployment order.
    pub steps: Vec<DeployStep>,
    /// Whether the lake is split into a shared stack and one stack per event.
    pub split: bool,
    /// Whether any template needs `--s3-bucket`.
    pub needs_bucket: bool,
    /// The name of the (shared or single) stack in the commands.
    pub stack_name: String,
    /// The test producer's function name in the default environment.
    pub producer: String,
    /// The first event (for the test command).
    pub first_event: String,
    /// The dashboard name(s) prefix in the default environment.
    pub dashboard: String,
    /// Whether any event has alarms.
    pub alarms: bool,
    /// Inline template limit, bytes.
    pub inline_limit: usize,
}

/// Builds the section's values.
pub fn deploy(cx: &Context<'_>) -> Result<Deploy, crate::Error> {
    let stacks = cloudformation::render_stacks(cx)?;
    let lake = &cx.plan.name;
    let stack_name = format!("{}-{DEFAULT_ENV}", lake.replace('_', "-"));
    let split = stacks.artifacts.len() > 1;
    let alarms = cx.schema.events.iter().any(|e| e.settings.alarms);
    let mut steps = Vec::new();
    for (i, a) in stacks.artifacts.iter().enumerate() {
        let shared = i == 0;
        // The same names as the templates' own header comments.
        let name = match i.checked_sub(1).and_then(|e| cx.plan.events.get(e)) {
            Some(event) => format!("{stack_name}-{}", event.name.replace('_', "-"))
                .chars()
                .take(128)
                .collect(),
            None => stack_name.clone(),
        };
        let mut command = vec![format!(
            "aws cloudformation deploy --template-file {} --stack-name {name}",
            a.path
        )];
        if a.contents.len() > MAX_INLINE_BYTES {
            command.push("--s3-bucket <bucket for templates>".to_owned());
        }
        command.push("--capabilities CAPABILITY_IAM".to_owned());
        let mut params = format!("--parameter-overrides Environment={DEFAULT_ENV}");
        if shared && alarms {
            params.push_str(" AlarmEmail=<you@example.com>");
        }
        if !shared {
            params.push_str(&format!(" SharedStack={stack_name}"));
        }
        command.push(params);
        steps.push(DeployStep {
            file: a.path.clone(),
            command,
        });
    }
    Ok(Deploy {
        needs_bucket: stacks
            .artifacts
            .iter()
            .any(|a| a.contents.len() > MAX_INLINE_BYTES),
        steps,
        split,
        stack_name,
        producer: format!("{lake}-{DEFAULT_ENV}-producer"),
        first_event: cx
            .schema
            .events
            .first()
            .map(|e| e.name.clone())
            .unwrap_or_default(),
        dashboard: format!("{lake}-{DEFAULT_ENV}"),
        alarms,
        inline_limit: MAX_INLINE_BYTES,
    })
}
