//! `kubernetes_sd_configs`: fields, defaults and checks of upstream's
//! `discovery/kubernetes` `SDConfig`. Label and field selectors are kept as written;
//! their syntax is checked by the Kubernetes API when discovery runs.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::Invalid;
use super::http_client::HttpClientConfig;
use super::inline::with_http_client;
use super::serde_fields::{displayed, is_default, nullable, optional_displayed, optional_parsed, parsed};
use super::url::Url;

/// The kind of Kubernetes object that becomes a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KubernetesRole {
    Node,
    Pod,
    Service,
    Endpoints,
    EndpointSlice,
    Ingress,
}

const ROLES: [(&str, KubernetesRole); 6] = [
    ("node", KubernetesRole::Node),
    ("pod", KubernetesRole::Pod),
    ("service", KubernetesRole::Service),
    ("endpoints", KubernetesRole::Endpoints),
    ("endpointslice", KubernetesRole::EndpointSlice),
    ("ingress", KubernetesRole::Ingress),
];

impl KubernetesRole {
    pub fn as_str(self) -> &'static str {
        ROLES.iter().find(|(_, role)| *role == self).map_or("", |(name, _)| name)
    }

    /// The roles whose selectors a discovery of this role may set.
    fn allowed_selectors(self) -> &'static [KubernetesRole] {
        use KubernetesRole::*;
        match self {
            Endpoints => &[Pod, Service, Endpoints],
            EndpointSlice => &[Pod, Service, EndpointSlice],
            Node => &[Node],
            Pod => &[Pod],
            Service => &[Service],
            Ingress => &[Ingress],
        }
    }
}

impl FromStr for KubernetesRole {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ROLES
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, role)| *role)
            .ok_or_else(|| format!("unknown Kubernetes SD role {text:?}"))
    }
}

impl fmt::Display for KubernetesRole {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Which namespaces to watch; all of them when empty.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NamespaceDiscovery {
    /// Include the namespace Sonde itself runs in (in-cluster only).
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub own_namespace: bool,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub names: Vec<String>,
}

/// A label and/or field selector applied to one role's objects.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KubernetesSelector {
    #[serde(deserialize_with = "parsed", serialize_with = "displayed")]
    pub role: KubernetesRole,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub label: String,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub field: String,
}

/// Metadata of related objects attached to each target.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttachMetadata {
    /// Labels of the node a pod runs on (pod, endpoints and endpointslice roles).
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub node: bool,
    /// Labels of the target's namespace.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub namespace: bool,
}

with_http_client! {
    /// Targets from the Kubernetes API.
    pub struct KubernetesSdConfig via KubernetesSdFields (enable_http2 = true) {
        /// The API server; in-cluster configuration when neither this nor
        /// `kubeconfig_file` is given.
        #[serde(default, skip_serializing_if = "is_default")]
        pub api_server: Option<Url>,
        /// Required.
        #[serde(
            default,
            deserialize_with = "optional_parsed",
            serialize_with = "optional_displayed",
            skip_serializing_if = "is_default"
        )]
        pub role: Option<KubernetesRole>,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub kubeconfig_file: String,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub namespaces: NamespaceDiscovery,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub selectors: Vec<KubernetesSelector>,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub attach_metadata: AttachMetadata,
    }
}

impl KubernetesSdConfig {
    pub(crate) fn validate(&mut self) -> Result<(), Invalid> {
        let Some(role) = self.role else {
            return Err(Invalid::field(
                "role",
                "role missing (one of: pod, service, endpoints, endpointslice, node, ingress)",
            ));
        };
        self.http_client.validate()?;
        self.validate_client_source()?;
        self.validate_selectors(role)
    }

    /// The API server, a kubeconfig file and in-cluster settings are three
    /// different ways to connect; only one may be used.
    fn validate_client_source(&self) -> Result<(), Invalid> {
        let has_server = self.api_server.is_some();
        let has_kubeconfig = !self.kubeconfig_file.is_empty();
        let custom_http = self.http_client != HttpClientConfig::default();
        let own_namespace = self.namespaces.own_namespace;
        let message = if has_server && has_kubeconfig {
            "cannot use 'kubeconfig_file' and 'api_server' simultaneously"
        } else if has_kubeconfig && custom_http {
            "cannot use a custom HTTP client configuration together with 'kubeconfig_file'"
        } else if !has_server && custom_http {
            "to use custom HTTP client configuration please provide the 'api_server' URL explicitly"
        } else if has_server && own_namespace {
            "cannot use 'api_server' and 'namespaces.own_namespace' simultaneously"
        } else if has_kubeconfig && own_namespace {
            "cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously"
        } else {
            return Ok(());
        };
        Err(Invalid::new(message))
    }

    fn validate_selectors(&self, role: KubernetesRole) -> Result<(), Invalid> {
        for (index, selector) in self.selectors.iter().enumerate() {
            let at = |message: String| Err(Invalid::new(message).at_index(index).within("selectors"));
            if self.selectors[..index].iter().any(|earlier| earlier.role == selector.role) {
                return at(format!("duplicated selector role: {}", selector.role));
            }
            let allowed = role.allowed_selectors();
            if !allowed.contains(&selector.role) {
                let names: Vec<&str> = allowed.iter().map(|role| role.as_str()).collect();
                return at(format!("{role} role supports only {} selectors", names.join(", ")));
            }
        }
        Ok(())
    }

    pub(crate) fn set_directory(&mut self, directory: &Path) {
        self.http_client.set_directory(directory);
        super::join_directory(directory, &mut self.kubeconfig_file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml: &str) -> Result<KubernetesSdConfig, String> {
        let mut config: KubernetesSdConfig = serde_saphyr::from_str(yaml).map_err(|error| error.to_string())?;
        config.validate().map_err(|invalid| format!("{}: {}", invalid.path, invalid.message))?;
        Ok(config)
    }

    #[test]
    fn role_is_required_and_known() {
        assert!(check("{}").unwrap_err().contains("role missing"));
        assert!(check("role: deployment").unwrap_err().contains(r#"unknown Kubernetes SD role "deployment""#));
        assert_eq!(check("role: endpointslice").unwrap().role, Some(KubernetesRole::EndpointSlice));
    }

    #[test]
    fn connection_settings_are_exclusive() {
        let error = check("role: pod\napi_server: https://k8s:6443\nkubeconfig_file: /k").unwrap_err();
        assert!(error.contains("'kubeconfig_file' and 'api_server' simultaneously"), "{error}");
        let error = check("role: pod\nbasic_auth: {username: a, password: b}").unwrap_err();
        assert!(error.contains("provide the 'api_server' URL explicitly"), "{error}");
        let error = check("role: pod\nkubeconfig_file: /k\ntls_config: {insecure_skip_verify: true}").unwrap_err();
        assert!(error.contains("custom HTTP client configuration together with 'kubeconfig_file'"), "{error}");
        let error = check("role: pod\napi_server: https://k8s\nnamespaces: {own_namespace: true}").unwrap_err();
        assert!(error.contains("'api_server' and 'namespaces.own_namespace'"), "{error}");
        assert!(check("role: pod\napi_server: https://k8s\nbearer_token_file: /token").is_ok());
    }

    #[test]
    fn selectors_fit_the_role() {
        let yaml = "role: endpoints\nselectors:\n  - {role: pod, label: app=x}\n  - {role: node}\n";
        assert_eq!(
            check(yaml).unwrap_err(),
            "selectors[1]: endpoints role supports only pod, service, endpoints selectors"
        );
        let yaml = "role: pod\nselectors:\n  - {role: pod, label: a=b}\n  - {role: pod, field: c=d}\n";
        assert_eq!(check(yaml).unwrap_err(), "selectors[1]: duplicated selector role: pod");
    }

    #[test]
    fn kubeconfig_follows_the_config_directory() {
        let mut config = check("role: node\nkubeconfig_file: kube.yml").unwrap();
        config.set_directory(Path::new("/etc/sonde"));
        assert_eq!(config.kubeconfig_file, "/etc/sonde/kube.yml");
    }
}
