//! The protobuf messages of the format, as in aggregation-format.md (proto2), written as
//! structs with prost's derive: prost-build would need `protoc`, and three messages are
//! easier to read here than to generate.

/// `message AggregatedRecord`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct AggregatedRecord {
    /// `repeated string partition_key_table = 1`.
    #[prost(string, repeated, tag = "1")]
    pub(crate) partition_key_table: Vec<String>,
    /// `repeated string explicit_hash_key_table = 2`.
    #[prost(string, repeated, tag = "2")]
    pub(crate) explicit_hash_key_table: Vec<String>,
    /// `repeated Record records = 3`.
    #[prost(message, repeated, tag = "3")]
    pub(crate) records: Vec<Record>,
}

/// `message Record`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Record {
    /// `required uint64 partition_key_index = 1`.
    #[prost(uint64, required, tag = "1")]
    pub(crate) partition_key_index: u64,
    /// `optional uint64 explicit_hash_key_index = 2`.
    #[prost(uint64, optional, tag = "2")]
    pub(crate) explicit_hash_key_index: Option<u64>,
    /// `required bytes data = 3`.
    #[prost(bytes = "vec", required, tag = "3")]
    pub(crate) data: Vec<u8>,
    /// `repeated Tag tags = 4` (not used by the KPL, kept so that decoding keeps them apart).
    #[prost(message, repeated, tag = "4")]
    pub(crate) tags: Vec<Tag>,
}

/// `message Tag`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Tag {
    /// `required string key = 1`.
    #[prost(string, required, tag = "1")]
    pub(crate) key: String,
    /// `optional string value = 2`.
    #[prost(string, optional, tag = "2")]
    pub(crate) value: Option<String>,
}
