//! `shareguard check`: one decision in a world, with its reason and evidence.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;
use shareguard::model::{Permission, PrincipalId, ResourceRef, ShareId};
use shareguard::policy::{Decision, ShareAction};
use shareguard::scenario::{Actual, Question};

use crate::{Status, unusable};

/// Explains one decision in a world: allowed or denied, the rule's reason code, and the
/// evidence (the share, the resource, the permission needed and held, the setting or right).
///
/// A world is a scenario file; its checks are ignored.
#[derive(Debug, clap::Args)]
#[command(group(
    clap::ArgGroup::new("question").required(true).args(["action", "share_action", "permissions_on"])
))]
#[command(after_help = "Examples:
  shareguard check --world tests/scenarios/semantics_section7_example.json \\
      --principal bob --action edit --resource document:d1
  shareguard check --world world.json --principal bob --share-action delete --share s1
  shareguard check --world world.json --principal bob --permissions-on document:d1

Exit status: 0 the decision allows (or the permissions were listed), 1 it denies, 2 the world
or an argument cannot be used.")]
pub(crate) struct Args {
    /// The world: a scenario file (its checks are not run).
    #[arg(long, value_name = "FILE")]
    world: PathBuf,
    /// Who asks: a principal of the world (one it does not list is an internal user with
    /// no groups, role, email or rights).
    #[arg(long, value_name = "ID")]
    principal: PrincipalId,
    /// The permission an action on a resource needs: view, download, comment, edit, …
    #[arg(long, value_name = "PERM", requires = "resource")]
    action: Option<Permission>,
    /// The resource of `--action`, as `kind:id`.
    #[arg(long, value_name = "REF", requires = "action")]
    resource: Option<ResourceRef>,
    /// An action on a share: read, update, delete, …
    #[arg(long, value_name = "A", requires = "share")]
    share_action: Option<ShareAction>,
    /// The share of `--share-action`.
    #[arg(long, value_name = "ID", requires = "share_action")]
    share: Option<ShareId>,
    /// Lists the permissions the principal holds on this resource instead.
    #[arg(long, value_name = "REF")]
    permissions_on: Option<ResourceRef>,
    /// Prints the answer as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let question = match (&args.action, &args.resource, &args.share_action, &args.share) {
        (Some(action), Some(resource), _, _) => {
            Question::Action { action: *action, resource: resource.clone() }
        }
        (_, _, Some(action), Some(share)) => {
            Question::ShareAction { action: *action, share: share.clone() }
        }
        _ => match &args.permissions_on {
            Some(resource) => Question::PermissionsOn(resource.clone()),
            // clap's group and `requires` make this unreachable; say so rather than panic.
            None => {
                return unusable(
                    "give `--action` and `--resource`, `--share-action` and `--share`, or `--permissions-on`",
                );
            }
        },
    };
    let world = match crate::load(&args.world) {
        Ok(world) => world,
        Err(e) => return unusable(e),
    };
    let answer = match world.ask(&args.principal, &question) {
        Ok(answer) => answer,
        Err(e) => {
            let option = format!("--{}", e.path.replace('_', "-"));
            return unusable(format!("{}: {option}: {}", args.world.display(), e.message));
        }
    };
    if args.json {
        let answer = match &answer {
            Actual::Decision(d) => json!({ "decision": d, "text": d.to_string() }),
            Actual::Permissions(p) => json!({ "permissions": p, "text": answer.to_string() }),
            Actual::Resources(r) => json!({ "resources": r, "text": answer.to_string() }),
            Actual::Shares(s) => json!({ "shares": s, "text": answer.to_string() }),
        };
        println!(
            "{}",
            json!({ "principal": args.principal, "question": question_text(&question), "answer": answer })
        );
    } else {
        println!("{} {}", args.principal, question_text(&question));
        match &answer {
            Actual::Decision(d) => print_decision(d),
            Actual::Permissions(p) if p.is_empty() => println!("permissions: none"),
            Actual::Permissions(p) => println!("permissions: {p}"),
            other => println!("{other}"),
        }
    }
    match answer {
        Actual::Decision(d) if !d.is_allowed() => Status::Negative.into(),
        _ => Status::Success.into(),
    }
}

fn question_text(question: &Question) -> String {
    question.to_string()
}

/// The decision, then each piece of evidence on a line of its own.
fn print_decision(decision: &Decision) {
    println!("decision: {}", if decision.is_allowed() { "allow" } else { "deny" });
    println!("reason:   {}", decision.reason());
    let e = decision.evidence();
    let mut lines = Vec::new();
    if let Some(share) = &e.share {
        lines.push(format!("share:       {share}"));
    }
    if let Some(resource) = &e.resource {
        lines.push(format!("resource:    {resource}"));
    }
    if let Some(needed) = e.needed {
        lines.push(format!("needed:      {needed}"));
    }
    if let Some(held) = e.held {
        lines.push(if held.is_empty() {
            "held:        nothing".to_owned()
        } else {
            format!("held:        {held}")
        });
    }
    if let Some(added) = e.added {
        lines.push(format!("adds:        {added}"));
    }
    if let Some(setting) = &e.setting {
        lines.push(format!("setting:     {setting}"));
    }
    if let Some(right) = &e.admin_right {
        lines.push(format!("admin right: {right}"));
    }
    if let Some(detail) = &e.detail {
        lines.push(format!("detail:      {detail}"));
    }
    if !lines.is_empty() {
        println!("evidence:");
        for line in lines {
            println!("  {line}");
        }
    }
    println!("summary:  {decision}");
}
