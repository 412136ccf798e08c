//! Compiles the protobuf schemas under `proto/` with prost-build, using the
//! vendored protoc so that no system protoc is needed.

const PROTO_ROOT: &str = "proto";

const PROTOS: &[&str] =
    &["proto/prometheus/types.proto", "proto/prometheus/remote.proto", "proto/prometheus/write/v2/types.proto"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc);
    config.compile_protos(PROTOS, &[PROTO_ROOT])?;
    println!("cargo:rerun-if-changed={PROTO_ROOT}");
    Ok(())
}
