//! `wfc`: the command line over the workflow crates (see ARCHITECTURE.md).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
