//! Compiles the protobuf schemas under `proto/`: the Prometheus wire formats
//! with prost-build, Sonde's gRPC services with tonic-prost-build. Both use
//! the vendored protoc, so no system protoc is needed.

const PROTO_ROOT: &str = "proto";

const PROTOS: &[&str] =
    &["proto/prometheus/types.proto", "proto/prometheus/remote.proto", "proto/prometheus/write/v2/types.proto"];

const SERVICES: &[&str] = &["proto/sonde/meta.proto", "proto/sonde/storage.proto", "proto/sonde/alertmanager.proto"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // SAFETY: the build script runs no other threads.
    unsafe { std::env::set_var("PROTOC", &protoc) };
    prost_build::Config::new().compile_protos(PROTOS, &[PROTO_ROOT])?;
    // The storage service carries Prometheus' remote write types: use the
    // ones generated above rather than a second copy.
    tonic_prost_build::configure()
        // Pushes are cloned for retries: share the bytes instead.
        .bytes(".sonde.storage.v1.PushRequest.write_request")
        // Chunks pass through the query node without a copy.
        .bytes(".sonde.storage.v1.Chunk.data")
        .extern_path(".prometheus", "crate::ingest::remote_write::proto::prometheus")
        .compile_protos(SERVICES, &[PROTO_ROOT])?;
    println!("cargo:rerun-if-changed={PROTO_ROOT}");
    Ok(())
}
