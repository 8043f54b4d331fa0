// `embed_migrations!` cannot tell Cargo to rebuild when a migration is added, so an
// incremental build would keep the old list and run (and test) without the new migration.
// See https://docs.rs/diesel_migrations/latest/diesel_migrations/macro.embed_migrations.html#automatic-rebuilds
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    // Naming a path above turns off Cargo's default of rerunning on any change in the package.
    println!("cargo:rerun-if-changed=Cargo.toml");
}
