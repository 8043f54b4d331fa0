//! The `petitions` binary.

use api::app::Application;
use api::cli::{Cli, Command, StaffCommand};
use api::config::Config;
use clap::Parser;
use domain::screening::ListKind;

/// Requests are parsed on the HTTP workers and stored on the blocking threads, so memory is
/// often freed on another thread than the one that allocated it: jemalloc handles that far
/// more cheaply than glibc's malloc, and with a steady RSS (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&config.log_filter))
        .init();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Migrate => {
            api::startup::migrate(&config)?;
            println!("the database at DATABASE_URL is up to date");
            Ok(())
        }
        Command::Import { paths } => api::cli::import(&config, &paths),
        Command::ImportPostcodes { path } => api::cli::import_postcodes(&config, &path),
        Command::Reconcile => api::cli::reconcile(&config),
        Command::Block {
            kind,
            pattern,
            note,
        } => api::cli::add_list_entry(&config, ListKind::Block, &kind, &pattern, note.as_deref()),
        Command::Allow {
            kind,
            pattern,
            note,
        } => api::cli::add_list_entry(&config, ListKind::Allow, &kind, &pattern, note.as_deref()),
        Command::Staff {
            command: StaffCommand::Add { email, role },
        } => api::cli::add_staff(&config, &email, &role, std::io::stdin().lock()).map(|_| ()),
        Command::Staff {
            command: StaffCommand::SetRole { email, role },
        } => api::cli::change_staff_role(&config, &email, &role).map(|_| ()),
        Command::Staff {
            command: StaffCommand::Remove { email },
        } => api::cli::remove_staff(&config, &email).map(|_| ()),
        Command::Openapi => {
            print!("{}", api::openapi::yaml().map_err(anyhow::Error::msg)?);
            Ok(())
        }
    }
}

fn serve(config: Config) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let application = Application::build(config.clone()).await?;
        tracing::info!(address = %config.bind_addr, public_url = %config.public_url, "petitions service listening");
        application.run_until_stopped().await?;
        Ok(())
    })
}
