//! Upstream configuration fields that Sonde deliberately does not implement. They
//! are rejected with a message that says so, rather than as unknown fields.

/// Service discovery mechanisms Sonde implements, in the order the docs list them.
pub const SUPPORTED_DISCOVERY: [&str; 6] = [
    "static_configs",
    "file_sd_configs",
    "dns_sd_configs",
    "docker_sd_configs",
    "kubernetes_sd_configs",
    "http_sd_configs",
];

/// Service discovery mechanisms of Prometheus 3.x that Sonde does not implement, plus
/// `ecs_sd_configs`, which configurations written for vmagent carry.
const UPSTREAM_ONLY_DISCOVERY: [&str; 25] = [
    "azure_sd_configs",
    "consul_sd_configs",
    "digitalocean_sd_configs",
    "dockerswarm_sd_configs",
    "ec2_sd_configs",
    "ecs_sd_configs",
    "eureka_sd_configs",
    "gce_sd_configs",
    "hetzner_sd_configs",
    "ionos_sd_configs",
    "kuma_sd_configs",
    "lightsail_sd_configs",
    "linode_sd_configs",
    "marathon_sd_configs",
    "nerve_sd_configs",
    "nomad_sd_configs",
    "openstack_sd_configs",
    "ovhcloud_sd_configs",
    "puppetdb_sd_configs",
    "scaleway_sd_configs",
    "serverset_sd_configs",
    "stackit_sd_configs",
    "triton_sd_configs",
    "uyuni_sd_configs",
    "vultr_sd_configs",
];

/// Cloud authentication schemes and secret-manager references of upstream.
const UPSTREAM_ONLY_FIELDS: [&str; 10] = [
    "sigv4",
    "azuread",
    "google_iam",
    "username_ref",
    "password_ref",
    "credentials_ref",
    "client_secret_ref",
    "ca_ref",
    "cert_ref",
    "key_ref",
];

/// The message for a field that upstream Prometheus knows but Sonde does not, if
/// `field` is one.
pub(crate) fn message_for(field: &str) -> Option<String> {
    if UPSTREAM_ONLY_DISCOVERY.contains(&field) {
        return Some(format!("{field} is not supported by Sonde (supported: {})", SUPPORTED_DISCOVERY.join(", ")));
    }
    UPSTREAM_ONLY_FIELDS.contains(&field).then(|| format!("{field} is not supported by Sonde"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_supported_discovery_mechanisms() {
        let message = message_for("consul_sd_configs").unwrap();
        assert_eq!(
            message,
            "consul_sd_configs is not supported by Sonde (supported: static_configs, file_sd_configs, \
             dns_sd_configs, docker_sd_configs, kubernetes_sd_configs, http_sd_configs)"
        );
    }

    #[test]
    fn other_upstream_fields_get_a_short_message() {
        assert_eq!(message_for("sigv4").unwrap(), "sigv4 is not supported by Sonde");
        assert_eq!(message_for("scrape_intervall"), None);
    }
}
