//! A tiny stand-in for a Gevulot prover, written in Rust and built with `cargo build --release`,
//! used by the boot test in .github/workflows/e2e.yml. It behaves like examples/prover/main.c:
//! it runs once under Nanos with a read-only root filesystem, writes its "proof" into the
//! workspace volume (/workspace), prints to stdout and exits 0.
//!
//! The proof file holds:
//!   nanos-image-action prover: proof generated
//!   argv: <every argument, argv[0] included, separated by spaces>
//!   greeting: <the GREETING environment variable, or "(unset)">
//!
//! Unlike the C examples it is linked dynamically (Rust's default on Linux), so the image needs
//! the host's glibc, libgcc_s and dynamic loader, which Ops copies in. Outside Nanos, set
//! WORKSPACE to a writable directory to try it:
//!   WORKSPACE=/tmp/ws target/release/rust-prover --proof-id 42

use std::env;
use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const PROOF_LINE: &str = "nanos-image-action prover: proof generated";

fn workspace() -> PathBuf {
    match env::var_os("WORKSPACE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from("/workspace"),
    }
}

fn write_proof(path: &PathBuf, args: &[String], greeting: &str) -> io::Result<()> {
    let mut f = File::create(path)?;
    writeln!(f, "{PROOF_LINE}")?;
    let mut argv = String::from("argv:");
    for a in args {
        argv.push(' ');
        argv.push_str(a);
    }
    writeln!(f, "{argv}")?;
    writeln!(f, "greeting: {greeting}")?;
    f.flush()?;
    // Best effort: the file system behind /workspace may not implement fsync.
    if let Err(e) = f.sync_all() {
        eprintln!("prover: fsync {}: {e} (ignored)", path.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().collect();
    let greeting = env::var("GREETING").unwrap_or_else(|_| String::from("(unset)"));
    let path = workspace().join("proof.txt");

    println!(
        "prover: started with {} argument(s)",
        args.len().saturating_sub(1)
    );
    let _ = io::stdout().flush();

    if let Err(e) = write_proof(&path, &args, &greeting) {
        eprintln!("prover: cannot write {}: {e}", path.display());
        return ExitCode::from(1);
    }

    println!("prover: wrote {}\n{PROOF_LINE}", path.display());
    match io::stdout().flush() {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}
