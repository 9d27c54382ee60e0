//! `shareguard`: run scenario files in CI, explain one decision, convert the vendors' share
//! JSON, validate a world, print shell completions.
//!
//! Exit status, for every command: 0 success (every check passed, the decision allows, every
//! share converted), 1 a negative answer (a check failed, the decision denies, a share the
//! target cannot express was left out), 2 a file or argument cannot be used (the error names
//! the file and the JSON path of the fault).
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line program prints

mod check;
mod convert;
mod test;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use shareguard::scenario::{Scenario, ScenarioError};

/// Share administration from the command line: scenario tests, decisions explained, vendor
/// JSON converted.
#[derive(Debug, Parser)]
#[command(name = "shareguard", version, about, propagate_version = true)]
#[command(after_help = "Examples:
  shareguard test tests/scenarios
  shareguard test --format junit tests/scenarios > junit.xml
  shareguard check --world world.json --principal bob --action edit --resource document:d1
  shareguard convert --from salesforce --to model --resource folder:00l --sharer 005admin \\
      --created 2026-03-01T12:00:00Z share.json
  shareguard validate world.json
  shareguard completions bash > /etc/bash_completion.d/shareguard

Exit status: 0 success, 1 a check failed / the decision denies / a share was left out,
2 a file or argument cannot be used.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Test(test::Args),
    Check(check::Args),
    Convert(convert::Args),
    Validate(ValidateArgs),
    Completions(CompletionsArgs),
}

/// Reads and builds each world (a scenario file) without running its checks.
///
/// A directory stands for every `*.json` file directly in it (not in its subfolders).
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:
  shareguard validate tests/scenarios/section4_access.json tests/scenarios

Prints `ok FILE (N checks)` per usable file; a file that cannot be used is named on stderr
with the JSON path of the fault. Exit status: 0 all usable, 2 any is not.")]
struct ValidateArgs {
    /// Scenario files, or directories of them.
    #[arg(required = true, value_name = "FILE|DIR")]
    paths: Vec<PathBuf>,
}

/// Prints a completion script for a shell.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:
  shareguard completions bash > ~/.local/share/bash-completion/completions/shareguard
  shareguard completions zsh > ~/.zfunc/_shareguard")]
struct CompletionsArgs {
    /// The shell.
    shell: clap_complete::Shell,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Test(args) => test::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::Validate(args) => validate(&args),
        Command::Completions(args) => {
            let mut command = Cli::command();
            clap_complete::generate(args.shell, &mut command, "shareguard", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
    }
}

/// The exit status of a run: the worst outcome seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
enum Status {
    #[default]
    Success,
    /// A check failed, a decision denies, a share was left out.
    Negative,
    /// A file or argument cannot be used.
    Unusable,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Negative => ExitCode::from(1),
            Status::Unusable => ExitCode::from(2),
        }
    }
}

/// Says on stderr why something cannot be used, and returns exit status 2.
fn unusable(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("shareguard: {message}");
    Status::Unusable.into()
}

/// The files `paths` stand for: a file as given, a directory as its `*.json` files (sorted,
/// not recursing). A path that cannot be listed, or a directory without any, is an error.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
            let mut found = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
                let file = entry.path();
                if file.is_file() && file.extension().is_some_and(|x| x == "json") {
                    found.push(file);
                }
            }
            if found.is_empty() {
                return Err(format!("{}: no `*.json` file in this directory", path.display()));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// A file that could not be read or built: which file, and where in it.
#[derive(Debug, Clone)]
struct FileError {
    file: PathBuf,
    /// The JSON path of the fault (`$.shares[0].access`), or `None` when the file could not
    /// be read at all.
    path: Option<String>,
    message: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{}: {path}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl FileError {
    fn scenario(file: &Path, e: ScenarioError) -> Self {
        Self { file: file.to_owned(), path: Some(e.path), message: e.message }
    }

    fn io(file: &Path, e: &std::io::Error) -> Self {
        Self { file: file.to_owned(), path: None, message: format!("cannot read: {e}") }
    }
}

/// Reads a file as text.
fn read(file: &Path) -> Result<String, FileError> {
    std::fs::read_to_string(file).map_err(|e| FileError::io(file, &e))
}

/// Reads and builds a world (a scenario file).
fn load(file: &Path) -> Result<Scenario, FileError> {
    Scenario::from_json(&read(file)?).map_err(|e| FileError::scenario(file, e))
}

fn validate(args: &ValidateArgs) -> ExitCode {
    let files = match expand(&args.paths) {
        Ok(files) => files,
        Err(e) => return unusable(e),
    };
    let mut status = Status::Success;
    for file in &files {
        match load(file) {
            Ok(world) => println!("ok {} ({} checks)", file.display(), world.checks().len()),
            Err(e) => {
                eprintln!("shareguard: {e}");
                status = Status::Unusable;
            }
        }
    }
    status.into()
}
