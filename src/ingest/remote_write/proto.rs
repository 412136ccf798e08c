//! The prost types generated from `proto/` (Prometheus' remote write 1.0 and
//! 2.0 schemas). Used to encode requests (tests, load generators) and as the
//! oracle the hand-written decoders are checked against; the receiver's hot
//! path decodes with [`super::Decoder`] instead.

/// `package prometheus`: remote write 1.0 and remote read.
#[allow(clippy::all, missing_docs)]
pub mod prometheus {
    include!(concat!(env!("OUT_DIR"), "/prometheus.rs"));
}

/// `package io.prometheus.write.v2`: remote write 2.0.
pub mod io {
    pub mod prometheus {
        pub mod write {
            #[allow(clippy::all, missing_docs)]
            pub mod v2 {
                include!(concat!(env!("OUT_DIR"), "/io.prometheus.write.v2.rs"));
            }
        }
    }
}
