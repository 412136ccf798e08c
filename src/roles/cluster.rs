//! `sonde cluster …`: the cluster status and changes to the meta group,
//! through the meta gRPC services.

use std::process::ExitCode;
use std::time::Duration;

use crate::cli::ClusterCommand;
use crate::cluster::{MetaClient, status};
use crate::meta::proto::{AddMetaRequest, MembershipReply, RemoveMetaRequest};

/// Membership changes wait out an election this long.
const PATIENCE: Duration = Duration::from_secs(15);

pub fn run(command: ClusterCommand) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("sonde: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(command)) {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sonde cluster: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: ClusterCommand) -> Result<String, String> {
    match command {
        ClusterCommand::Status { meta_addresses, output } => {
            if !matches!(output.as_str(), "text" | "json") {
                return Err(format!("unknown output format {output:?}: use text or json"));
            }
            let client = MetaClient::new(meta_addresses).map_err(|e| e.to_string())?;
            let reply = status::fetch(&client).await.map_err(|e| e.to_string())?;
            let json = status::to_json(Ok(&reply), None);
            Ok(match output.as_str() {
                "json" => format!("{}\n", serde_json::to_string_pretty(&json).unwrap_or_default()),
                _ => status::to_text(&json),
            })
        }
        ClusterCommand::AddMeta { meta_addresses, id, address, learner } => {
            let client = MetaClient::new(meta_addresses).map_err(|e| e.to_string())?;
            let request = AddMetaRequest { id, address, voter: !learner };
            let reply = client
                .call_leader(PATIENCE, |mut c| {
                    let request = request.clone();
                    async move { c.add_meta(request).await }
                })
                .await
                .map_err(|e| e.to_string())?;
            Ok(members_text(&reply))
        }
        ClusterCommand::RemoveMeta { meta_addresses, id } => {
            let client = MetaClient::new(meta_addresses).map_err(|e| e.to_string())?;
            let reply = client
                .call_leader(PATIENCE, |mut c| async move { c.remove_meta(RemoveMetaRequest { id }).await })
                .await
                .map_err(|e| e.to_string())?;
            Ok(members_text(&reply))
        }
    }
}

fn members_text(reply: &MembershipReply) -> String {
    let mut out = String::from("meta group members:\n");
    for member in &reply.raft_members {
        let kind = if member.voter { "voter" } else { "learner" };
        out.push_str(&format!("  {} {} {kind}\n", member.id, member.address));
    }
    out
}
