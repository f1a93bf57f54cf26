//! `herald user add`: create a user from the command line (the first admin of a fresh
//! installation, or a break-glass admin when nobody can sign in); `herald user sessions
//! revoke-all`: sign everyone out.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Context;
use herald_auth::{NewUserRequest, Role};
use herald_store::{Actor, Store};

use crate::cli::{ServeArgs, UserAdd};
use crate::server::{auth_service, load_schemas};
use crate::settings::Settings;

/// Creates the user, printing its id and, when generated, its password once.
pub(crate) fn add(
    args: &UserAdd,
    mut input: impl BufRead,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(&args.settings)?;
    let role = Role::parse(&args.role).context("unknown role")?;
    if !args.content_types.is_empty() {
        let schemas = load_schemas(&settings)?;
        for name in &args.content_types {
            anyhow::ensure!(
                schemas.get(name).is_some(),
                "no content type `{name}` in {}",
                settings.schemas.display()
            );
        }
    }
    let (password, generated) = if args.password_stdin {
        let mut line = String::new();
        input
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let password = line.trim_end_matches(['\n', '\r']).to_owned();
        anyhow::ensure!(!password.is_empty(), "standard input held no password");
        (password, false)
    } else {
        (herald_auth::secret::random_token(""), true)
    };
    actix_web::rt::System::new().block_on(async {
        let store = Store::connect(settings.database.as_str()).await?;
        let auth = auth_service(&settings, &store)?;
        let actor = Actor {
            id: "cli".to_owned(),
            label: "herald user add".to_owned(),
            ip: None,
            content_types: None,
        };
        let request = NewUserRequest {
            email: args.email.clone(),
            password: password.clone(),
            role,
            content_types: (!args.content_types.is_empty()).then(|| args.content_types.clone()),
        };
        let created = auth.create_user(request, &actor).await;
        store.close().await;
        let user = match created {
            Ok(user) => user,
            Err(herald_auth::AuthError::Validation(errors)) => {
                for error in &errors.0 {
                    writeln!(out, "{}: {}", error.path, error.message)?;
                }
                return Ok(ExitCode::FAILURE);
            }
            Err(other) => return Err(other.into()),
        };
        writeln!(
            out,
            "Created {} ({}), id {}",
            user.email,
            user.role.as_str(),
            user.id
        )?;
        if generated {
            writeln!(out, "Password, shown this once: {password}")?;
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Ends every session, printing how many were open.
pub(crate) fn revoke_all_sessions(
    args: &ServeArgs,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(args)?;
    actix_web::rt::System::new().block_on(async {
        let store = Store::connect(settings.database.as_str()).await?;
        let auth = auth_service(&settings, &store)?;
        let actor = Actor {
            id: "cli".to_owned(),
            label: "herald user sessions revoke-all".to_owned(),
            ip: None,
            content_types: None,
        };
        let ended = auth.revoke_all_sessions(&actor).await;
        store.close().await;
        let ended = ended?;
        writeln!(
            out,
            "Ended {ended} sessions: everyone signs in again. Running servers refuse their \
             access tokens within {} s.",
            settings.auth.recheck_after.as_secs()
        )?;
        Ok(ExitCode::SUCCESS)
    })
}
